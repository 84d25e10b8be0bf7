/* test-json: the JSON C API of ovsrpc (openvswitch/json.h).
 *
 * Round trips through json_from_string() and json_to_string(), the create
 * functions, reference counting through json_clone()/json_destroy(),
 * json_deep_clone(), json_equal(), json_hash(), object and array accessors,
 * and the layout of struct json against what Rust reports.  Run under
 * valgrind by `make c-check`: every value made here is released. */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/json.h"

#define TEST_NAME "test-json"
#include "check.h"


/* Checks that serializing 'json' with 'flags' gives 'expected'. */
static void
check_string(const struct json *json, int flags, const char *expected)
{
    char *s = json_to_string(json, flags);

    if (strcmp(s, expected)) {
        fprintf(stderr, "json_to_string: got %s, expected %s\n", s, expected);
        failures++;
    }
    free(s);
}

/* Parses 'text', checks it serializes (sorted) as 'expected', frees it. */
static void
check_round_trip(const char *text, const char *expected)
{
    struct json *json = json_from_string(text);

    CHECK(json->type != JSON_STRING);
    check_string(json, JSSF_SORT, expected);
    json_destroy(json);
}

static void
test_layout(void)
{
    struct ovsrpc_json_layout layout;

    ovsrpc_get_json_layout(&layout);
    CHECK(layout.size == sizeof(struct json));
    CHECK(layout.align == _Alignof(struct json));
    CHECK(layout.count == offsetof(struct json, count));
    CHECK(layout.integer == offsetof(struct json, integer));
    CHECK(layout.real == offsetof(struct json, real));
    CHECK(layout.string == offsetof(struct json, string));
    CHECK(layout.array_n == offsetof(struct json, array.n));
    CHECK(layout.array_elems == offsetof(struct json, array.elems));
    /* OVS's order: type, then count, then the value. */
    CHECK(offsetof(struct json, type) == 0);
    CHECK(offsetof(struct json, count) < offsetof(struct json, integer));

    CHECK(JSON_NULL == 0 && JSON_FALSE == 1 && JSON_TRUE == 2);
    CHECK(JSON_OBJECT == 3 && JSON_ARRAY == 4 && JSON_INTEGER == 5);
    CHECK(JSON_REAL == 6 && JSON_STRING == 7 && JSON_N_TYPES == 8);
    CHECK(!strcmp(json_type_to_string(JSON_INTEGER), "number"));
    CHECK(!strcmp(json_type_to_string(JSON_REAL), "number"));
    CHECK(!strcmp(json_type_to_string(JSON_OBJECT), "object"));
    CHECK(!strcmp(json_type_to_string(JSON_NULL), "null"));
}

static void
test_scalars(void)
{
    struct json *i = json_integer_create(-42);
    struct json *r = json_real_create(2.5);
    struct json *t = json_boolean_create(true);
    struct json *f = json_boolean_create(false);
    struct json *n = json_null_create();
    struct json *s = json_string_create("caf\xc3\xa9 \"q\"\n");

    CHECK(i->type == JSON_INTEGER && i->integer == -42);
    CHECK(json_integer(i) == -42);
    CHECK(json_real(i) == -42.0);
    CHECK(r->type == JSON_REAL && r->real == 2.5 && json_real(r) == 2.5);
    CHECK(t->type == JSON_TRUE && json_boolean(t));
    CHECK(f->type == JSON_FALSE && !json_boolean(f));
    CHECK(n->type == JSON_NULL);
    CHECK(s->type == JSON_STRING);
    CHECK(!strcmp(json_string(s), "caf\xc3\xa9 \"q\"\n"));
    CHECK(i->count == 1);

    check_string(i, 0, "-42");
    check_string(r, 0, "2.5");
    check_string(t, 0, "true");
    check_string(n, 0, "null");
    check_string(s, 0, "\"caf\xc3\xa9 \\\"q\\\"\\n\"");

    json_destroy(i);
    json_destroy(r);
    json_destroy(t);
    json_destroy(f);
    json_destroy(n);
    json_destroy(s);

    s = json_string_create_nocopy(strdup("owned"));
    CHECK(!strcmp(json_string(s), "owned"));
    json_destroy(s);
}

static void
test_arrays(void)
{
    struct json *a = json_array_create_empty();
    struct json *b;
    struct json **elems;
    size_t i;

    CHECK(a->type == JSON_ARRAY && json_array_size(a) == 0);
    CHECK(json_array_at(a, 0) == NULL);
    for (i = 0; i < 100; i++) {
        json_array_add(a, json_integer_create(i));
    }
    CHECK(json_array_size(a) == 100);
    CHECK(json_array_at(a, 99)->integer == 99);
    CHECK(json_array_at(a, 100) == NULL);

    json_array_set(a, 0, json_string_create("zero"));
    CHECK(!strcmp(json_string(json_array_at(a, 0)), "zero"));
    CHECK(json_array_contains_string(a, "zero"));
    CHECK(!json_array_contains_string(a, "one"));

    b = json_array_pop(a);
    CHECK(b->integer == 99 && json_array_size(a) == 99);
    json_destroy(b);
    json_array_trim(a);
    CHECK(a->array.n == 99 && a->array.n_allocated == 99);
    json_destroy(a);

    a = json_array_create_3(json_integer_create(1), json_real_create(1.5),
                            json_array_create_2(json_null_create(),
                                                json_array_create_1(
                                                    json_boolean_create(true))));
    check_string(a, 0, "[1,1.5,[null,[true]]]");
    json_destroy(a);

    elems = malloc(2 * sizeof *elems);
    elems[0] = json_string_create("x");
    elems[1] = json_string_create("y");
    a = json_array_create(elems, 2);
    check_string(a, 0, "[\"x\",\"y\"]");
    b = json_array_pop(a);
    CHECK(!strcmp(json_string(b), "y"));
    json_destroy(b);
    json_destroy(json_array_pop(a));
    CHECK(json_array_pop(a) == NULL);
    json_destroy(a);
}

static void
test_objects(void)
{
    struct json *o = json_object_create();
    const char *name;
    struct json *value;
    int n;
    char key[16];
    int i;

    CHECK(o->type == JSON_OBJECT && json_object_is_empty(o));
    json_object_put(o, "b", json_integer_create(1));
    json_object_put_string(o, "a", "text");
    json_object_put(o, "c", json_array_create_empty());
    json_object_put_nocopy(o, strdup("d"), json_null_create());
    CHECK(json_object_size(o) == 4 && !json_object_is_empty(o));
    check_string(o, 0, "{\"b\":1,\"a\":\"text\",\"c\":[],\"d\":null}");
    check_string(o, JSSF_SORT, "{\"a\":\"text\",\"b\":1,\"c\":[],\"d\":null}");
    check_string(o, JSSF_PRETTY | JSSF_SORT,
                 "{\n  \"a\": \"text\",\n  \"b\": 1,\n  \"c\": [],\n"
                 "  \"d\": null}");

    /* Replacing keeps the member's place and releases the old value. */
    json_object_put(o, "b", json_integer_create(2));
    CHECK(json_object_find(o, "b")->integer == 2);
    CHECK(!strcmp(json_string(json_object_find(o, "a")), "text"));
    CHECK(json_object_find(o, "missing") == NULL);
    CHECK(json_object_find(NULL, "b") == NULL);

    n = 0;
    JSON_OBJECT_FOR_EACH (name, value, o) {
        static const char *const names[] = {"b", "a", "c", "d"};
        CHECK(!strcmp(name, names[n]));
        CHECK(value != NULL);
        n++;
    }
    CHECK(n == 4);

    /* Past the size where lookups go through an index. */
    for (i = 0; i < 50; i++) {
        snprintf(key, sizeof key, "k%d", i);
        json_object_put(o, key, json_integer_create(i));
    }
    json_object_put(o, "k7", json_integer_create(700));
    CHECK(json_object_size(o) == 54);
    CHECK(json_object_find(o, "k7")->integer == 700);
    CHECK(json_object_find(o, "k49")->integer == 49);
    CHECK(json_object_find(o, "a") != NULL);
    json_destroy(o);
}

static void
test_parse(void)
{
    struct json *json;

    check_round_trip("{\"b\": [1, 2.5e0, 1e-9999, -0], \"a\": \"\\u00e9\"}",
                     "{\"a\":\"\xc3\xa9\",\"b\":[1,2.5,0,0]}");
    check_round_trip("[1e3, 10000000000000000000, true, false, null, {}]",
                     "[1000,1e+19,true,false,null,{}]");
    check_round_trip("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]",
                     "[\"\\\"\\\\/\\b\\f\\n\\r\\t\"]");

    /* Errors come back as a string holding the message, as in OVS. */
    json = json_from_string("[1, 2,]");
    CHECK(json->type == JSON_STRING);
    CHECK(!strcmp(json_string(json),
                  "line 0, column 6, byte 6: syntax error expecting value"));
    json_destroy(json);

    json = json_from_string("");
    CHECK(json->type == JSON_STRING);
    json_destroy(json);

    json = json_from_string("{\"a\":1}{");
    CHECK(json->type == JSON_STRING);
    json_destroy(json);
}

static void
test_refcount(void)
{
    struct json *a = json_from_string("{\"x\":[1,2,{\"y\":\"z\"}]}");
    struct json *x = json_object_find(a, "x");
    struct json *kept = json_clone(x);
    struct json *same = json_clone(a);

    CHECK(same == a && a->count == 2);
    CHECK(kept == x && x->count == 2);
    json_destroy(same);
    CHECK(a->count == 1);

    /* Clones share the node: a change shows through every reference. */
    json_array_add(x, json_integer_create(3));
    CHECK(json_array_size(kept) == 4);

    /* The kept element outlives its parent. */
    json_destroy(a);
    CHECK(kept->count == 1 && json_array_size(kept) == 4);
    check_string(kept, JSSF_SORT, "[1,2,{\"y\":\"z\"},3]");
    json_destroy(kept);

    CHECK(json_nullable_clone(NULL) == NULL);
    json_destroy(NULL);
}

static void
test_deep_clone_equal_hash(void)
{
    struct json *a = json_from_string(
        "{\"n\":null,\"t\":true,\"i\":1,\"r\":0.5,\"s\":\"s\","
        " \"a\":[1,[2,[3]]],\"o\":{\"p\":{\"q\":[]}}}");
    struct json *b = json_deep_clone(a);
    struct json *c = json_from_string(
        "{\"o\":{\"p\":{\"q\":[]}},\"a\":[1,[2,[3]]],\"s\":\"s\",\"r\":0.5,"
        " \"i\":1,\"t\":true,\"n\":null}");
    struct json *d = json_real_create(1.0);
    struct json *e = json_integer_create(1);

    CHECK(b != a && b->count == 1 && a->count == 1);
    CHECK(json_object_find(b, "a") != json_object_find(a, "a"));
    CHECK(json_equal(a, b));
    CHECK(json_equal(a, c));    /* Member order does not matter. */
    CHECK(json_equal(a, a));
    CHECK(!json_equal(a, NULL));
    CHECK(json_hash(a, 0) == json_hash(b, 0));
    CHECK(json_hash(a, 0) == json_hash(c, 0));
    CHECK(json_hash(a, 0) != json_hash(a, 1));

    /* An integer is not a real (though "1.0" parses as an integer). */
    CHECK(!json_equal(d, e));

    /* Changing the deep clone leaves the original alone. */
    json_object_put(json_object_find(json_object_find(b, "o"), "p"), "q",
                    json_integer_create(9));
    CHECK(!json_equal(a, b));
    CHECK(json_array_size(json_object_find(json_object_find(
                                               json_object_find(a, "o"),
                                               "p"), "q")) == 0);

    json_destroy(a);
    json_destroy(b);
    json_destroy(c);
    json_destroy(d);
    json_destroy(e);
}

int
main(void)
{
    test_layout();
    test_scalars();
    test_arrays();
    test_objects();
    test_parse();
    test_refcount();
    test_deep_clone_equal_hash();
    return checks_finish("");
}
