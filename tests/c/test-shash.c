/* test-shash: OVS's struct shash and struct hmap from ovsrpc
 * (openvswitch/shash.h, openvswitch/hmap.h).
 *
 * The shash functions one by one, the iteration macros (plain, SAFE in both
 * forms, with removal and freeing in the body), and an hmap embedded in a
 * caller's structure: growth, shrinking, moving, positions, random nodes.
 * Run under valgrind by `make c-check`: everything made here is freed. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/hmap.h"
#include "openvswitch/shash.h"

#define TEST_NAME "test-shash"
#include "check.h"

static void
test_shash(void)
{
    struct shash sh = SHASH_INITIALIZER(&sh);
    struct shash other;
    struct shash_node *node, *next;
    const struct shash_node **sorted;
    static int values[64];
    char name[16];
    int i, n;

    CHECK(shash_is_empty(&sh) && shash_count(&sh) == 0);
    CHECK(shash_first(&sh) == NULL && shash_sort(&sh) == NULL);

    for (i = 0; i < 64; i++) {
        values[i] = i;
        snprintf(name, sizeof name, "n%02d", i);
        node = shash_add(&sh, name, &values[i]);
        CHECK(!strcmp(node->name, name) && node->data == &values[i]);
    }
    CHECK(shash_count(&sh) == 64 && !shash_is_empty(&sh));
    CHECK(shash_find_data(&sh, "n17") == &values[17]);
    CHECK(shash_find(&sh, "n64") == NULL);
    CHECK(shash_find_len(&sh, "n05xyz", 3) == shash_find(&sh, "n05"));

    CHECK(!shash_add_once(&sh, "n01", &values[2]));
    CHECK(shash_add_once(&sh, "extra", &values[2]));
    shash_add_assert(&sh, "extra2", &values[3]);
    CHECK(shash_replace(&sh, "extra", &values[4]) == &values[2]);
    CHECK(shash_replace(&sh, "extra3", &values[5]) == NULL);
    CHECK(shash_replace_nocopy(&sh, strdup("extra3"), &values[6])
          == &values[5]);
    CHECK(shash_replace_nocopy(&sh, strdup("extra4"), &values[7]) == NULL);
    shash_add_nocopy(&sh, strdup("extra5"), NULL);
    CHECK(shash_count(&sh) == 69);

    /* Sorted by name. */
    sorted = shash_sort(&sh);
    CHECK(!strcmp(sorted[0]->name, "extra"));
    CHECK(!strcmp(sorted[5]->name, "n00"));
    CHECK(!strcmp(sorted[68]->name, "n63"));
    for (i = 1; i < 69; i++) {
        CHECK(strcmp(sorted[i - 1]->name, sorted[i]->name) < 0);
    }
    free(sorted);

    /* Every node once, NULL after the loop. */
    n = 0;
    SHASH_FOR_EACH (node, &sh) {
        n++;
    }
    CHECK(n == 69 && node == NULL);
    CHECK(shash_first(&sh) != NULL);

    /* Removing in the body, short and long forms. */
    SHASH_FOR_EACH_SAFE (node, &sh) {
        if (!strncmp(node->name, "extra", 5)) {
            shash_delete(&sh, node);
        }
    }
    CHECK(shash_count(&sh) == 64 && node == NULL);
    n = 0;
    SHASH_FOR_EACH_SAFE (node, next, &sh) {
        if (next) {
            CHECK(next != node);
        }
        if (node->name[1] == '1') {
            char *stolen = shash_steal(&sh, node);
            free(stolen);
        }
        n++;
    }
    CHECK(n == 64 && shash_count(&sh) == 54);
    CHECK(shash_find_and_delete(&sh, "n00") == &values[0]);
    CHECK(shash_find_and_delete(&sh, "n00") == NULL);
    CHECK(shash_find_and_delete_assert(&sh, "n02") == &values[2]);

    /* Keys, swapping and moving. */
    shash_init(&other);
    SHASH_FOR_EACH (node, &sh) {
        shash_add(&other, node->name, NULL);
    }
    CHECK(shash_equal_keys(&sh, &other));
    shash_add(&other, "more", NULL);
    CHECK(!shash_equal_keys(&sh, &other));
    shash_swap(&sh, &other);
    CHECK(shash_count(&sh) == 53 && shash_count(&other) == 52);
    node = shash_random_node(&sh);
    CHECK(shash_find(&sh, node->name) == node);
    shash_clear(&other);
    CHECK(shash_is_empty(&other));
    shash_destroy(&other);
    shash_destroy(&sh);
    shash_destroy(NULL);

    /* Data freed with the map. */
    shash_init(&sh);
    shash_add(&sh, "a", strdup("x"));
    shash_add(&sh, "b", malloc(10));
    shash_destroy_free_data(&sh);
    shash_init(&sh);
    shash_add(&sh, "a", strdup("x"));
    shash_clear_free_data(&sh);
    CHECK(shash_is_empty(&sh));
    shash_moved(&sh);
    shash_destroy(&sh);
}

struct element {
    int value;
    struct hmap_node node;
};

static size_t
hash_value(int value)
{
    return (size_t) value * 2654435761u;
}

static void
test_hmap(void)
{
    struct hmap map = HMAP_INITIALIZER(&map);
    struct hmap moved;
    struct element *elements = calloc(1000, sizeof *elements);
    struct element *e, *next;
    struct hmap_position pos;
    struct hmap_node *hn;
    size_t max_mask = 0;
    int i, n, sum;

    for (i = 0; i < 1000; i++) {
        elements[i].value = i;
        hmap_insert(&map, &elements[i].node, hash_value(i));
        CHECK(map.n / 2 <= map.mask || map.mask == 0);
    }
    CHECK(hmap_count(&map) == 1000 && !hmap_is_empty(&map));
    CHECK(map.mask == 511 && hmap_capacity(&map) == 1023);
    max_mask = map.mask;

    sum = 0;
    HMAP_FOR_EACH (e, node, &map) {
        sum += e->value;
    }
    CHECK(sum == 999 * 1000 / 2 && e == NULL);

    n = 0;
    HMAP_FOR_EACH_WITH_HASH (e, node, hash_value(123), &map) {
        CHECK(e->value == 123);
        n++;
    }
    CHECK(n == 1);
    CHECK(hmap_contains(&map, &elements[5].node));

    /* Positions visit every node once. */
    memset(&pos, 0, sizeof pos);
    n = 0;
    while ((hn = hmap_at_position(&map, &pos)) != NULL) {
        n++;
    }
    CHECK(n == 1000);

    /* Remove the odd ones while iterating, then shrink. */
    HMAP_FOR_EACH_SAFE (e, next, node, &map) {
        if (e->value % 2) {
            hmap_remove(&map, &e->node);
        }
    }
    CHECK(hmap_count(&map) == 500);
    hmap_shrink(&map);
    CHECK(map.mask < max_mask);
    HMAP_FOR_EACH_SAFE (e, node, &map) {
        CHECK(e->value % 2 == 0);
    }
    e = &elements[10];
    n = 0;
    HMAP_FOR_EACH_CONTINUE (e, node, &map) {
        n++;
    }
    CHECK(n < 500);

    /* Moving the struct hmap, and a node. */
    moved = map;
    hmap_moved(&moved);
    elements[1] = elements[0];
    hmap_node_moved(&moved, &elements[0].node, &elements[1].node);
    CHECK(hmap_contains(&moved, &elements[1].node));
    CHECK(!hmap_contains(&moved, &elements[0].node));
    hn = hmap_random_node(&moved);
    CHECK(hmap_contains(&moved, hn));

    n = 0;
    HMAP_FOR_EACH_POP (e, node, &moved) {
        n++;
    }
    CHECK(n == 500 && hmap_is_empty(&moved));
    hmap_shrink(&moved);
    CHECK(moved.mask == 0 && moved.buckets == &moved.one);
    hmap_reserve(&moved, 100);
    CHECK(moved.mask == 63);
    hmap_insert_fast(&moved, &elements[2].node, 1);
    hmap_clear(&moved);
    CHECK(hmap_is_empty(&moved));
    hmap_destroy(&moved);

    /* A one-bucket map moved with swap. */
    hmap_init(&map);
    hmap_init(&moved);
    hmap_insert(&map, &elements[3].node, 3);
    hmap_swap(&map, &moved);
    CHECK(hmap_count(&moved) == 1 && hmap_first(&moved) == &elements[3].node);
    CHECK(moved.buckets == &moved.one && map.buckets == &map.one);
    hmap_destroy(&map);
    hmap_destroy(&moved);
    hmap_destroy(NULL);
    free(elements);
}

int
main(void)
{
    test_shash();
    test_hmap();
    return checks_finish("");
}
