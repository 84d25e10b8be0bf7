/* openvswitch/json.h: Open vSwitch's JSON dialect, from ovsrpc.
 *
 * Drop-in for OVS's include/openvswitch/json.h: every type, enumerator,
 * macro and function of today's OVS header, with struct json laid out
 * member for member as OVS's (type, storage_type, count, then the union of
 * 'object', the inline 'elements' or 'array', 'integer', 'real', and the
 * inline 'str' or 'str_ptr').  Objects are struct shash (openvswitch/
 * shash.h) whose data are struct json *.  OVS 3.1's names compile too:
 * 'array.n', 'array.n_allocated', 'array.elems', 'string' (an alias of
 * 'str_ptr') and json_array().
 *
 * Storage: every function reads nodes of any storage type, including
 * static nodes written by hand or by generated code.  The nodes ovsrpc
 * creates always use the dynamic forms (JSON_STRING_DYNAMIC,
 * JSON_ARRAY_DYNAMIC), so code written for OVS 3.1 that reads
 * json->string or json->array.elems directly works on them.
 *
 * Values are reference counted: json_clone() adds a reference,
 * json_destroy() drops one (both inline, as in OVS).
 *
 * Coexistence: libovsrpc.a defines every non-inline function of OVS's
 * lib/json.c, so OVS's json.o is never pulled from libopenvswitch.a when
 * libovsrpc.a comes first on the link line. */

#ifndef OPENVSWITCH_JSON_H
#define OPENVSWITCH_JSON_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "openvswitch/shash.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ds;
struct uuid;

/* Type of a JSON value. */
enum json_type {
    JSON_NULL,                  /* null */
    JSON_FALSE,                 /* false */
    JSON_TRUE,                  /* true */
    JSON_OBJECT,                /* {"a": b, "c": d, ...} */
    JSON_ARRAY,                 /* [1, 2, 3, ...] */
    JSON_INTEGER,               /* 123. */
    JSON_REAL,                  /* 123.456. */
    JSON_STRING,                /* "..." */
    JSON_N_TYPES,
    JSON_SERIALIZED_OBJECT,     /* Internal type to hold serialized version of
                                 * data of other types. */
};

const char *json_type_to_string(enum json_type);

/* A JSON array stored dynamically.  'n', 'n_allocated' and 'elems' are
 * OVS 3.1's names of the same members. */
struct json_array {
    union { size_t size; size_t n; };
    union { size_t allocated; size_t n_allocated; };
    union { struct json **elements; struct json **elems; };
};

/* Maximum string length that can be stored inline ('\0' not included). */
#define JSON_STRING_INLINE_LEN (sizeof(struct json_array) - 1)

#define JSON_ARRAY_INLINE_LEN 3

enum json_storage_type {
    /* JSON_STRING storage types. */
    JSON_STRING_DYNAMIC = 0, /* Stored via 'str_ptr'. */
    JSON_STRING_INLINE,      /* Stored in 'str' array. */
    /* JSON_ARRAY storage types.*/
    JSON_ARRAY_DYNAMIC,      /* 'elements' is a dynamically allocated array. */
    JSON_ARRAY_INLINE_1,     /* Static 'elements' with exactly 1 element. */
    JSON_ARRAY_INLINE_2,     /* Static 'elements' with exactly 2 elements. */
    JSON_ARRAY_INLINE_3,     /* Static 'elements' with exactly 3 elements. */
};

/* A JSON value. */
struct json {
    enum json_type type;
    enum json_storage_type storage_type;
    size_t count;
    union {
        struct shash *object;   /* Contains "struct json *"s. */
        union {
            struct json *elements[JSON_ARRAY_INLINE_LEN];
            struct json_array array;
        }; /* JSON_ARRAY. */
        long long int integer;
        double real;
        union {
            char str[JSON_STRING_INLINE_LEN + 1];
            char *str_ptr;
            char *string;       /* OVS 3.1's name for 'str_ptr'. */
        }; /* JSON_STRING or JSON_SERIALIZED_OBJECT. */
    };
};

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(struct json_array) / sizeof(struct json *)
               >= JSON_ARRAY_INLINE_LEN, "inline array fits");
#endif

struct json *json_null_create(void);
struct json *json_boolean_create(bool);
struct json *json_string_create(const char *);
struct json *json_string_create_nocopy(char *);
struct json *json_string_create_uuid(const struct uuid *);
struct json *json_serialized_object_create(const struct json *);
struct json *json_integer_create(long long int);
struct json *json_real_create(double);

struct json *json_array_create_empty(void);
void json_array_add(struct json *, struct json *element);
void json_array_set(struct json *, size_t index, struct json *element);
struct json *json_array_pop(struct json *);
void json_array_trim(struct json *);
struct json *json_array_create(struct json **, size_t n);
struct json *json_array_create_1(struct json *);
struct json *json_array_create_2(struct json *, struct json *);
struct json *json_array_create_3(struct json *, struct json *, struct json *);
bool json_array_contains_string(const struct json *, const char *);

struct json *json_object_create(void);
bool json_object_is_empty(struct json *);
void json_object_put(struct json *, const char *name, struct json *value);
void json_object_put_nocopy(struct json *, char *name, struct json *value);
void json_object_put_string(struct json *,
                            const char *name, const char *value);
void json_object_put_format(struct json *,
                            const char *name, const char *format, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void json_object_put_uuid(struct json *, const char *name,
                          const struct uuid *);

const char *json_string(const struct json *);
const char *json_serialized_object(const struct json *);
size_t json_array_size(const struct json *);
const struct json *json_array_at(const struct json *, size_t index);
struct json_array *json_array(const struct json *); /* OVS 3.1. */
struct shash *json_object(const struct json *);
bool json_boolean(const struct json *);
double json_real(const struct json *);
int64_t json_integer(const struct json *);

struct json *json_deep_clone(const struct json *);
static inline struct json *json_clone(const struct json *);
struct json *json_nullable_clone(const struct json *);
static inline void json_destroy(struct json *);

size_t json_hash(const struct json *, size_t basis);
bool json_equal(const struct json *, const struct json *);

/* Parsing JSON. */
enum {
    JSPF_TRAILER = 1 << 0       /* Check for garbage following input.  */
};

struct json_parser *json_parser_create(int flags);
size_t json_parser_feed(struct json_parser *, const char *, size_t);
bool json_parser_is_done(const struct json_parser *);
struct json *json_parser_finish(struct json_parser *);
void json_parser_abort(struct json_parser *);

struct json *json_from_string(const char *string);
struct json *json_from_serialized_object(const struct json *);
struct json *json_from_file(const char *file_name);
struct json *json_from_stream(FILE *stream);

/* Serializing JSON. */

enum {
    JSSF_PRETTY = 1 << 0,       /* Multiple lines with indentation, if true. */
    JSSF_SORT = 1 << 1,         /* Object members in sorted order, if true. */
    JSSF_YIELD = 1 << 2         /* Accepted; serialization never yields. */
};
char *json_to_string(const struct json *, int flags);
void json_to_ds(const struct json *, int flags, struct ds *);

/* JSON string formatting operations. */

bool json_string_unescape(const char *in, size_t in_len, char **outp);
void json_string_escape(const char *in, struct ds *out);

/* ovsrpc additions. */

/* The number of members of object 'json'. */
size_t json_object_size(const struct json *);
/* The value of member 'name' of 'json', or NULL if 'json' is NULL, not an
 * object, or has no such member. */
struct json *json_object_find(const struct json *, const char *name);

/* Inline functions. */

/* Returns 'json', with the reference count incremented. */
static inline struct json *
json_clone(const struct json *json_)
{
    struct json *json = (struct json *) json_;
    json->count++;
    return json;
}

/* Frees 'json', whose count has reached 0 (called by json_destroy()). */
void json_destroy__(struct json *json, bool yield);

/* Drops a reference to 'json', freeing it and what it holds with the
 * last.  NULL is fine. */
static inline void
json_destroy(struct json *json)
{
    if (json && !--json->count) {
        json_destroy__(json, false);
    }
}

#ifdef __cplusplus
}
#endif

#endif /* OPENVSWITCH_JSON_H */
