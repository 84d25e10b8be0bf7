/* openvswitch/hmap.h: Open vSwitch's intrusive hash map, from ovsrpc.
 *
 * The layout (struct hmap_node, struct hmap), the functions, the inline
 * functions and the iteration macros are OVS's, with OVS's behaviour:
 * nodes go at the head of their bucket, the table grows to keep about two
 * nodes per bucket, and iteration walks the buckets in order.  Code that
 * embeds a struct hmap_node in its own structures and walks them with
 * HMAP_FOR_EACH builds against this header unchanged.
 *
 * Coexistence with OVS's own library: libovsrpc.a defines every function
 * of OVS's lib/hmap.c (hmap_init ... hmap_contains) with OVS's behaviour.
 * A program that links OVS objects and puts libovsrpc.a ahead of OVS's
 * libopenvswitch.a resolves all of them from ovsrpc, so the linker never
 * pulls OVS's hmap.o (whose symbols would clash); both sides agree on the
 * layout, so maps pass freely between OVS code and ovsrpc.
 *
 * The iteration macros are written here without OVS's util.h: like OVS's,
 * NODE must be a plain variable name, and it is NULL after a loop that
 * ran to its end. */

#ifndef HMAP_H
#define HMAP_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A hash map node, embedded in the structure being mapped. */
struct hmap_node {
    size_t hash;                /* Hash value. */
    struct hmap_node *next;     /* Next in linked list. */
};

/* Returns the hash value embedded in 'node'. */
static inline size_t
hmap_node_hash(const struct hmap_node *node)
{
    return node->hash;
}

#define HMAP_NODE_NULL ((struct hmap_node *) 1)
#define HMAP_NODE_NULL_INITIALIZER { 0, HMAP_NODE_NULL }

/* True if 'node' was marked by hmap_node_nullify() and not inserted
 * since. */
static inline bool
hmap_node_is_null(const struct hmap_node *node)
{
    return node->next == HMAP_NODE_NULL;
}

/* Marks 'node' for hmap_node_is_null(). */
static inline void
hmap_node_nullify(struct hmap_node *node)
{
    node->next = HMAP_NODE_NULL;
}

/* A hash map. */
struct hmap {
    struct hmap_node **buckets; /* Must point to 'one' iff 'mask' == 0. */
    struct hmap_node *one;
    size_t mask;
    size_t n;
};

/* Helpers of this header (not OVS names). */
#define OVSRPC_HMAP_STR__(X) #X
#define OVSRPC_HMAP_XSTR__(X) OVSRPC_HMAP_STR__(X)
#define OVSRPC_SOURCE_LOCATOR__ __FILE__ ":" OVSRPC_HMAP_XSTR__(__LINE__)
/* The structure of NODE's type that contains the hmap_node at POINTER
 * (NULL for NULL). */
#define OVSRPC_CONTAINER__(POINTER, NODE, MEMBER)                       \
    ((POINTER) == NULL ? (__typeof__(NODE)) NULL                        \
     : (__typeof__(NODE)) (void *)                                      \
       ((char *) (POINTER) - offsetof(__typeof__(*(NODE)), MEMBER)))

/* Initializer for an empty hash map. */
#define HMAP_INITIALIZER(HMAP) \
    { (struct hmap_node **const) &(HMAP)->one, NULL, 0, 0 }

/* Initializer for an immutable hmap 'HMAP' of 'N' nodes chained from
 * 'NODE' in a single bucket. */
#define HMAP_CONST(HMAP, N, NODE) \
    { (struct hmap_node **) &(HMAP)->one, NODE, 0, N }

/* Initialization. */
void hmap_init(struct hmap *);
void hmap_destroy(struct hmap *);
void hmap_clear(struct hmap *);
void hmap_swap(struct hmap *a, struct hmap *b);
void hmap_moved(struct hmap *hmap);
static inline size_t hmap_count(const struct hmap *);
static inline bool hmap_is_empty(const struct hmap *);

/* Adjusting capacity. */
void hmap_expand_at(struct hmap *, const char *where);
#define hmap_expand(HMAP) hmap_expand_at(HMAP, OVSRPC_SOURCE_LOCATOR__)

void hmap_shrink_at(struct hmap *, const char *where);
#define hmap_shrink(HMAP) hmap_shrink_at(HMAP, OVSRPC_SOURCE_LOCATOR__)

void hmap_reserve_at(struct hmap *, size_t capacity, const char *where);
#define hmap_reserve(HMAP, CAPACITY) \
    hmap_reserve_at(HMAP, CAPACITY, OVSRPC_SOURCE_LOCATOR__)

/* Insertion and deletion. */
static inline void hmap_insert_at(struct hmap *, struct hmap_node *,
                                  size_t hash, const char *where);
#define hmap_insert(HMAP, NODE, HASH) \
    hmap_insert_at(HMAP, NODE, HASH, OVSRPC_SOURCE_LOCATOR__)

static inline void hmap_insert_fast(struct hmap *,
                                    struct hmap_node *, size_t hash);
static inline void hmap_remove(struct hmap *, struct hmap_node *);

void hmap_node_moved(struct hmap *, struct hmap_node *, struct hmap_node *);
static inline void hmap_replace(struct hmap *, const struct hmap_node *old,
                                struct hmap_node *new_node);

struct hmap_node *hmap_random_node(const struct hmap *);

/* Search: nodes with hash HASH, or in the bucket HASH falls in. */
#define HMAP_FOR_EACH_WITH_HASH(NODE, MEMBER, HASH, HMAP)               \
    for (struct hmap_node *NODE##__iterator__                           \
             = hmap_first_with_hash(HMAP, HASH);                        \
         ((NODE) = OVSRPC_CONTAINER__(NODE##__iterator__, NODE, MEMBER), \
          NODE##__iterator__ != NULL);                                  \
         NODE##__iterator__ = hmap_next_with_hash(NODE##__iterator__))

#define HMAP_FOR_EACH_IN_BUCKET(NODE, MEMBER, HASH, HMAP)               \
    for (struct hmap_node *NODE##__iterator__                           \
             = hmap_first_in_bucket(HMAP, HASH);                        \
         ((NODE) = OVSRPC_CONTAINER__(NODE##__iterator__, NODE, MEMBER), \
          NODE##__iterator__ != NULL);                                  \
         NODE##__iterator__ = hmap_next_in_bucket(NODE##__iterator__))

static inline struct hmap_node *hmap_first_with_hash(const struct hmap *,
                                                     size_t hash);
static inline struct hmap_node *hmap_next_with_hash(const struct hmap_node *);
static inline struct hmap_node *hmap_first_in_bucket(const struct hmap *,
                                                     size_t hash);
static inline struct hmap_node *hmap_next_in_bucket(const struct hmap_node *);

bool hmap_contains(const struct hmap *, const struct hmap_node *);

/* Iteration.  The *_INIT forms evaluate the expressions after HMAP once,
 * before the loop. */
#define HMAP_FOR_EACH(NODE, MEMBER, HMAP) \
    HMAP_FOR_EACH_INIT(NODE, MEMBER, HMAP, (void) 0)
#define HMAP_FOR_EACH_INIT(NODE, MEMBER, HMAP, ...)                     \
    for (struct hmap_node *NODE##__iterator__                           \
             = (__VA_ARGS__, hmap_first(HMAP));                         \
         ((NODE) = OVSRPC_CONTAINER__(NODE##__iterator__, NODE, MEMBER), \
          NODE##__iterator__ != NULL);                                  \
         NODE##__iterator__ = hmap_next(HMAP, NODE##__iterator__))

/* Safe when NODE is removed or freed in the body.  The long form also
 * sets NEXT to the following node (NULL at the last). */
#define HMAP_FOR_EACH_SAFE_LONG(NODE, NEXT, MEMBER, HMAP) \
    HMAP_FOR_EACH_SAFE_LONG_INIT(NODE, NEXT, MEMBER, HMAP, (void) 0)
#define HMAP_FOR_EACH_SAFE_LONG_INIT(NODE, NEXT, MEMBER, HMAP, ...)     \
    for (struct hmap_node *NODE##__iterator__                           \
             = (__VA_ARGS__, hmap_first(HMAP)),                         \
             *NODE##__next__ = NULL;                                    \
         (NODE##__iterator__ != NULL                                    \
          ? (NODE##__next__ = hmap_next(HMAP, NODE##__iterator__),      \
             (NEXT) = OVSRPC_CONTAINER__(NODE##__next__, NEXT, MEMBER), \
             (NODE) = OVSRPC_CONTAINER__(NODE##__iterator__, NODE, MEMBER), \
             1)                                                         \
          : ((NEXT) = NULL, (NODE) = NULL, 0));                         \
         NODE##__iterator__ = NODE##__next__)

#define HMAP_FOR_EACH_SAFE_SHORT(NODE, MEMBER, HMAP) \
    HMAP_FOR_EACH_SAFE_SHORT_INIT(NODE, MEMBER, HMAP, (void) 0)
#define HMAP_FOR_EACH_SAFE_SHORT_INIT(NODE, MEMBER, HMAP, ...)          \
    for (struct hmap_node *NODE##__iterator__                           \
             = (__VA_ARGS__, hmap_first(HMAP)),                         \
             *NODE##__next__ = NULL;                                    \
         (NODE##__iterator__ != NULL                                    \
          ? (NODE##__next__ = hmap_next(HMAP, NODE##__iterator__),      \
             (NODE) = OVSRPC_CONTAINER__(NODE##__iterator__, NODE, MEMBER), \
             1)                                                         \
          : ((NODE) = NULL, 0));                                        \
         NODE##__iterator__ = NODE##__next__)

/* HMAP_FOR_EACH_SAFE(NODE, MEMBER, HMAP) or
 * HMAP_FOR_EACH_SAFE(NODE, NEXT, MEMBER, HMAP), as in OVS. */
#define OVSRPC_PICK_5TH__(A, B, C, D, E, ...) E
#define HMAP_FOR_EACH_SAFE(...)                                         \
    OVSRPC_PICK_5TH__(__VA_ARGS__, HMAP_FOR_EACH_SAFE_LONG,             \
                      HMAP_FOR_EACH_SAFE_SHORT, _2, _1)(__VA_ARGS__)
#define HMAP_FOR_EACH_SAFE_INIT(NODE, NEXT, MEMBER, HMAP, ...) \
    HMAP_FOR_EACH_SAFE_LONG_INIT(NODE, NEXT, MEMBER, HMAP, __VA_ARGS__)

/* Continues an iteration from just after NODE. */
#define HMAP_FOR_EACH_CONTINUE(NODE, MEMBER, HMAP) \
    HMAP_FOR_EACH_CONTINUE_INIT(NODE, MEMBER, HMAP, (void) 0)
#define HMAP_FOR_EACH_CONTINUE_INIT(NODE, MEMBER, HMAP, ...)            \
    for (struct hmap_node *NODE##__iterator__                           \
             = (__VA_ARGS__, hmap_next(HMAP, &(NODE)->MEMBER));         \
         ((NODE) = OVSRPC_CONTAINER__(NODE##__iterator__, NODE, MEMBER), \
          NODE##__iterator__ != NULL);                                  \
         NODE##__iterator__ = hmap_next(HMAP, NODE##__iterator__))

struct hmap_pop_helper_iter__ {
    size_t bucket;
    struct hmap_node *node;
};

static inline void hmap_pop_helper__(struct hmap *,
                                     struct hmap_pop_helper_iter__ *);

/* Removes each node from HMAP in turn and sets NODE to it. */
#define HMAP_FOR_EACH_POP(NODE, MEMBER, HMAP)                           \
    for (struct hmap_pop_helper_iter__ NODE##__iterator__ = { 0, NULL }; \
         (hmap_pop_helper__(HMAP, &NODE##__iterator__),                 \
          (NODE) = OVSRPC_CONTAINER__(NODE##__iterator__.node, NODE, MEMBER), \
          NODE##__iterator__.node != NULL);)

static inline struct hmap_node *hmap_first(const struct hmap *);
static inline struct hmap_node *hmap_next(const struct hmap *,
                                          const struct hmap_node *);

struct hmap_position {
    unsigned int bucket;
    unsigned int offset;
};

struct hmap_node *hmap_at_position(const struct hmap *,
                                   struct hmap_position *);

/* Returns the number of nodes in 'hmap'. */
static inline size_t
hmap_count(const struct hmap *hmap)
{
    return hmap->n;
}

/* Returns how many nodes 'hmap' may hold before it grows. */
static inline size_t
hmap_capacity(const struct hmap *hmap)
{
    return hmap->mask * 2 + 1;
}

/* Returns true if 'hmap' has no nodes. */
static inline bool
hmap_is_empty(const struct hmap *hmap)
{
    return hmap->n == 0;
}

/* Inserts 'node' with 'hash' into 'hmap', never growing it. */
static inline void
hmap_insert_fast(struct hmap *hmap, struct hmap_node *node, size_t hash)
{
    struct hmap_node **bucket = &hmap->buckets[hash & hmap->mask];
    node->hash = hash;
    node->next = *bucket;
    *bucket = node;
    hmap->n++;
}

/* Inserts 'node' with 'hash' into 'hmap', growing it when it holds more
 * than two nodes per bucket.  'where' names the caller. */
static inline void
hmap_insert_at(struct hmap *hmap, struct hmap_node *node, size_t hash,
               const char *where)
{
    hmap_insert_fast(hmap, node, hash);
    if (hmap->n / 2 > hmap->mask) {
        hmap_expand_at(hmap, where);
    }
}

/* Removes 'node' from 'hmap' (never shrinking it). */
static inline void
hmap_remove(struct hmap *hmap, struct hmap_node *node)
{
    struct hmap_node **link = &hmap->buckets[node->hash & hmap->mask];
    while (*link != node) {
        link = &(*link)->next;
    }
    *link = node->next;
    hmap->n--;
}

/* Puts 'new_node' where 'old_node' is; both have the same hash. */
static inline void
hmap_replace(struct hmap *hmap,
             const struct hmap_node *old_node, struct hmap_node *new_node)
{
    struct hmap_node **link = &hmap->buckets[old_node->hash & hmap->mask];
    while (*link != old_node) {
        link = &(*link)->next;
    }
    *link = new_node;
    new_node->hash = old_node->hash;
    new_node->next = old_node->next;
}

static inline struct hmap_node *
hmap_next_with_hash__(const struct hmap_node *node, size_t hash)
{
    while (node != NULL && node->hash != hash) {
        node = node->next;
    }
    return (struct hmap_node *) node;
}

/* The first node of 'hmap' with 'hash', or NULL. */
static inline struct hmap_node *
hmap_first_with_hash(const struct hmap *hmap, size_t hash)
{
    return hmap_next_with_hash__(hmap->buckets[hash & hmap->mask], hash);
}

/* The first node of the bucket 'hash' falls in, or NULL. */
static inline struct hmap_node *
hmap_first_in_bucket(const struct hmap *hmap, size_t hash)
{
    return hmap->buckets[hash & hmap->mask];
}

/* The next node in 'node''s bucket, or NULL. */
static inline struct hmap_node *
hmap_next_in_bucket(const struct hmap_node *node)
{
    return node->next;
}

/* The next node with 'node''s hash, or NULL. */
static inline struct hmap_node *
hmap_next_with_hash(const struct hmap_node *node)
{
    return hmap_next_with_hash__(node->next, node->hash);
}

static inline struct hmap_node *
hmap_next__(const struct hmap *hmap, size_t start)
{
    size_t i;
    for (i = start; i <= hmap->mask; i++) {
        if (hmap->buckets[i]) {
            return hmap->buckets[i];
        }
    }
    return NULL;
}

/* The first node of 'hmap' in iteration order, or NULL. */
static inline struct hmap_node *
hmap_first(const struct hmap *hmap)
{
    return hmap_next__(hmap, 0);
}

/* The node after 'node' in iteration order, or NULL. */
static inline struct hmap_node *
hmap_next(const struct hmap *hmap, const struct hmap_node *node)
{
    return (node->next
            ? node->next
            : hmap_next__(hmap, (node->hash & hmap->mask) + 1));
}

static inline void
hmap_pop_helper__(struct hmap *hmap, struct hmap_pop_helper_iter__ *iter)
{
    for (; iter->bucket <= hmap->mask; iter->bucket++) {
        struct hmap_node *node = hmap->buckets[iter->bucket];
        if (node) {
            hmap_remove(hmap, node);
            iter->node = node;
            return;
        }
    }
    iter->node = NULL;
}

#ifdef __cplusplus
}
#endif

#endif /* HMAP_H */
