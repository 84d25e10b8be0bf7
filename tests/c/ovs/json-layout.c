/* json-layout: prints the layout of the JSON model's structures and the
 * values of its enumerators, one "name value" line each.  Built twice by
 * run-json-at.sh, against OVS 3.1's own headers from the tarball and
 * against ovsrpc's include/, and the two outputs must be identical: only
 * what OVS 3.1's headers declare is printed (ovsrpc's headers carry those
 * names too, next to today's). */

#include <stddef.h>
#include <stdio.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/json.h"
#include "openvswitch/shash.h"

#define SIZE(TYPE) printf("sizeof(%s) %zu\n", #TYPE, sizeof(TYPE))
#define OFFSET(TYPE, MEMBER) \
    printf("offsetof(%s, %s) %zu\n", #TYPE, #MEMBER, offsetof(TYPE, MEMBER))
#define VALUE(NAME) printf("%s %d\n", #NAME, (int) (NAME))

int
main(void)
{
    SIZE(struct json);
    printf("_Alignof(struct json) %zu\n", _Alignof(struct json));
    OFFSET(struct json, type);
    OFFSET(struct json, count);
    OFFSET(struct json, object);
    OFFSET(struct json, array);
    OFFSET(struct json, array.n);
    OFFSET(struct json, array.n_allocated);
    OFFSET(struct json, array.elems);
    OFFSET(struct json, integer);
    OFFSET(struct json, real);
    OFFSET(struct json, string);
    SIZE(struct json_array);
    SIZE(enum json_type);

    VALUE(JSON_NULL);
    VALUE(JSON_FALSE);
    VALUE(JSON_TRUE);
    VALUE(JSON_OBJECT);
    VALUE(JSON_ARRAY);
    VALUE(JSON_INTEGER);
    VALUE(JSON_REAL);
    VALUE(JSON_STRING);
    VALUE(JSON_N_TYPES);
    VALUE(JSON_SERIALIZED_OBJECT);
    VALUE(JSPF_TRAILER);
    VALUE(JSSF_PRETTY);
    VALUE(JSSF_SORT);

    SIZE(struct shash);
    OFFSET(struct shash, map);
    SIZE(struct shash_node);
    OFFSET(struct shash_node, node);
    OFFSET(struct shash_node, name);
    OFFSET(struct shash_node, data);

    SIZE(struct hmap);
    OFFSET(struct hmap, buckets);
    OFFSET(struct hmap, one);
    OFFSET(struct hmap, mask);
    OFFSET(struct hmap, n);
    SIZE(struct hmap_node);
    OFFSET(struct hmap_node, hash);
    OFFSET(struct hmap_node, next);
    SIZE(struct hmap_position);
    OFFSET(struct hmap_position, bucket);
    OFFSET(struct hmap_position, offset);

    SIZE(struct ds);
    OFFSET(struct ds, string);
    OFFSET(struct ds, length);
    OFFSET(struct ds, allocated);
    return 0;
}
