/* json-coexist: a program built against OVS 3.1's own headers (struct
 * json, struct shash, struct hmap and their inline functions and macros
 * as OVS declares them), linked with libovsrpc.a ahead of an archive of
 * OVS's own json.o, shash.o, hmap.o and hash.o.  run-json-at.sh checks
 * from the link map that none of OVS's json.o, shash.o and hmap.o was
 * pulled in (ovsrpc defines all of their functions) while hash.o was (for
 * hash_bytes(), which only OVS has), and this program
 * checks that OVS-compiled code and ovsrpc agree on the data. */

#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hash.h"
#include "openvswitch/hmap.h"
#include "openvswitch/json.h"
#include "openvswitch/shash.h"

struct item {
    struct hmap_node node;
    int value;
};

static int failures;

#define CHECK(COND)                                                     \
    do {                                                                \
        if (!(COND)) {                                                  \
            fprintf(stderr, "json-coexist: %d: %s\n", __LINE__, #COND); \
            failures++;                                                 \
        }                                                               \
    } while (0)

int
main(void)
{
    struct json *j = json_from_string(
        "{\"b\":[1,2,3],\"a\":\"x\",\"c\":{\"d\":null}}");
    struct shash_node *node;
    struct hmap map = HMAP_INITIALIZER(&map);
    struct item items[100], *item;
    char *s;
    int i, n, sum;

    /* OVS's macros and inline functions over ovsrpc's nodes. */
    CHECK(j->type == JSON_OBJECT && shash_count(json_object(j)) == 3);
    n = 0;
    SHASH_FOR_EACH (node, json_object(j)) {
        const struct json *v = node->data;
        CHECK(v->count == 1);
        n++;
    }
    CHECK(n == 3);
    CHECK(json_array(shash_find_data(json_object(j), "b"))->n == 3);
    CHECK(!strcmp(((struct json *) shash_find_data(json_object(j), "a"))
                  ->string, "x"));
    json_object_put(j, "e", json_clone(shash_find_data(json_object(j), "b")));
    s = json_to_string(j, JSSF_SORT);
    CHECK(!strcmp(s, "{\"a\":\"x\",\"b\":[1,2,3],\"c\":{\"d\":null},"
                  "\"e\":[1,2,3]}"));
    free(s);
    json_destroy(j);

    /* OVS's inline hmap_insert() grows through ovsrpc's hmap_expand_at(),
     * hashes from OVS's own hash.o. */
    for (i = 0; i < 100; i++) {
        items[i].value = i;
        hmap_insert(&map, &items[i].node, hash_int(i, 0));
    }
    CHECK(hmap_count(&map) == 100 && map.mask == 63);
    sum = 0;
    HMAP_FOR_EACH (item, node, &map) {
        sum += item->value;
    }
    CHECK(sum == 4950);
    HMAP_FOR_EACH_WITH_HASH (item, node, hash_int(42, 0), &map) {
        CHECK(item->value == 42);
    }
    hmap_destroy(&map);

    /* A function only OVS has: hash_bytes() comes from OVS's hash.o. */
    CHECK(hash_string("abc", 0) == hash_bytes("abc", 3, 0));

    if (failures) {
        return 1;
    }
    printf("json-coexist: OVS-compiled code works on ovsrpc's JSON, shash "
           "and hmap\n");
    return 0;
}
