/* openvswitch/shash.h: Open vSwitch's string-keyed hash map, from ovsrpc.
 *
 * OVS's layout, functions and macros: a struct shash is a struct hmap of
 * struct shash_node, each with a malloc()ed 'name' and the caller's
 * 'data'.  The members of a JSON object are one (json_object()), with
 * struct json * data, so code that walks an object with SHASH_FOR_EACH or
 * looks a member up with shash_find_data() works as with OVS.  Names hash
 * with OVS's hash_string(name, 0), so iteration order matches OVS's.
 *
 * Coexistence with OVS's own library: libovsrpc.a defines every function
 * of OVS's lib/shash.c with OVS's behaviour, so a program linking OVS
 * objects with libovsrpc.a ahead of libopenvswitch.a never pulls OVS's
 * shash.o (see openvswitch/hmap.h). */

#ifndef SHASH_H
#define SHASH_H 1

#include "openvswitch/hmap.h"

#ifdef __cplusplus
extern "C" {
#endif

struct shash_node {
    struct hmap_node node;
    char *name;
    void *data;
};

struct shash {
    struct hmap map;
};

#define SHASH_INITIALIZER(SHASH) { HMAP_INITIALIZER(&(SHASH)->map) }

/* Compile-time checks that the macros' arguments have the right types
 * (evaluated for nothing at run time). */
#define OVSRPC_SHASH_CHECK__(NODE, SHASH)                               \
    ((void) sizeof((NODE) == (struct shash_node *) 0),                  \
     (void) sizeof((SHASH) == (const struct shash *) 0))

#define SHASH_FOR_EACH(SHASH_NODE, SHASH)                               \
    HMAP_FOR_EACH_INIT (SHASH_NODE, node, &(SHASH)->map,                \
                        OVSRPC_SHASH_CHECK__(SHASH_NODE, SHASH))

#define SHASH_FOR_EACH_SAFE_SHORT(SHASH_NODE, SHASH)                    \
    HMAP_FOR_EACH_SAFE_SHORT_INIT (SHASH_NODE, node, &(SHASH)->map,     \
                                   OVSRPC_SHASH_CHECK__(SHASH_NODE, SHASH))

#define SHASH_FOR_EACH_SAFE_LONG(SHASH_NODE, NEXT, SHASH)               \
    HMAP_FOR_EACH_SAFE_LONG_INIT (SHASH_NODE, NEXT, node, &(SHASH)->map, \
                                  OVSRPC_SHASH_CHECK__(SHASH_NODE, SHASH))

/* SHASH_FOR_EACH_SAFE(NODE, SHASH) or SHASH_FOR_EACH_SAFE(NODE, NEXT,
 * SHASH), as in OVS. */
#define SHASH_FOR_EACH_SAFE(...)                                        \
    OVSRPC_PICK_5TH__(__VA_ARGS__, _4, SHASH_FOR_EACH_SAFE_LONG,        \
                      SHASH_FOR_EACH_SAFE_SHORT, _1)(__VA_ARGS__)

void shash_init(struct shash *);
void shash_destroy(struct shash *);
void shash_destroy_free_data(struct shash *);
void shash_swap(struct shash *, struct shash *);
void shash_moved(struct shash *);
void shash_clear(struct shash *);
void shash_clear_free_data(struct shash *);
bool shash_is_empty(const struct shash *);
size_t shash_count(const struct shash *);
struct shash_node *shash_add(struct shash *, const char *, const void *);
struct shash_node *shash_add_nocopy(struct shash *, char *, const void *);
bool shash_add_once(struct shash *, const char *, const void *);
void shash_add_assert(struct shash *, const char *, const void *);
void *shash_replace(struct shash *, const char *, const void *data);
void *shash_replace_nocopy(struct shash *, char *name, const void *data);
void shash_delete(struct shash *, struct shash_node *);
char *shash_steal(struct shash *, struct shash_node *);
struct shash_node *shash_find(const struct shash *, const char *);
struct shash_node *shash_find_len(const struct shash *, const char *, size_t);
void *shash_find_data(const struct shash *, const char *);
void *shash_find_and_delete(struct shash *, const char *);
void *shash_find_and_delete_assert(struct shash *, const char *);
struct shash_node *shash_first(const struct shash *);
const struct shash_node **shash_sort(const struct shash *);
bool shash_equal_keys(const struct shash *, const struct shash *);
struct shash_node *shash_random_node(struct shash *);

#ifdef __cplusplus
}
#endif

#endif /* SHASH_H */
