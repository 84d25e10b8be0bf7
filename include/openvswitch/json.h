/* openvswitch/json.h: OVS's JSON dialect, from ovsrpc.
 *
 * Drop-in for the parts of Open vSwitch's include/openvswitch/json.h that
 * current OVS code uses: enum json_type with OVS's values; struct json with
 * 'type' and 'count' first and 'integer' and 'real' readable as members;
 * arrays and strings through json_array_size(), json_array_at() and
 * json_string(); objects through json_object_find(), json_object_put(),
 * json_object_put_string() and JSON_OBJECT_FOR_EACH (OVS's struct shash is
 * not provided).  Values are reference counted: json_clone() takes a
 * reference, json_destroy() drops one.  Declared in ovsrpc.h
 * (generated). */

#ifndef OPENVSWITCH_JSON_H
#define OPENVSWITCH_JSON_H 1

#include "../ovsrpc.h"

/* Iterates over the members of object JSON in insertion order, setting
 * NAME (const char *) and VALUE (struct json *) for each.  The object must
 * not change during the loop. */
#define JSON_OBJECT_FOR_EACH(NAME, VALUE, JSON)                         \
    for (size_t NAME##_idx_ = 0;                                        \
         json_object_at(JSON, NAME##_idx_, &(NAME), &(VALUE));          \
         NAME##_idx_++)

#endif /* OPENVSWITCH_JSON_H */
