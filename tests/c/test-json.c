/* test-json: the JSON C API of ovsrpc (openvswitch/json.h).
 *
 * Round trips through json_from_string() and json_to_string(), the create
 * functions, reference counting through json_clone()/json_destroy(),
 * json_deep_clone(), json_equal(), json_hash(), object and array accessors,
 * and the layout of struct json against what Rust reports.  Run under
 * valgrind by `make c-check`: every value made here is released. */

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/shash.h"
#include "ovsrpc.h"

/* OVS's struct uuid (lib/uuid.h): json.h only declares it. */
struct uuid {
    uint32_t parts[4];
};

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

    /* What Rust lays out, against this header. */
    ovsrpc_get_json_layout(&layout);
    CHECK(layout.size == sizeof(struct json));
    CHECK(layout.align == _Alignof(struct json));
    CHECK(layout.storage_type == offsetof(struct json, storage_type));
    CHECK(layout.count == offsetof(struct json, count));
    CHECK(layout.object == offsetof(struct json, object));
    CHECK(layout.elements == offsetof(struct json, elements));
    CHECK(layout.integer == offsetof(struct json, integer));
    CHECK(layout.real == offsetof(struct json, real));
    CHECK(layout.str_ == offsetof(struct json, str));
    CHECK(layout.str_ptr == offsetof(struct json, str_ptr));
    CHECK(layout.array_size == offsetof(struct json, array.size));
    CHECK(layout.array_allocated == offsetof(struct json, array.allocated));
    CHECK(layout.array_elements == offsetof(struct json, array.elements));
    CHECK(layout.shash_node_size == sizeof(struct shash_node));
    CHECK(layout.shash_node_name == offsetof(struct shash_node, name));
    CHECK(layout.shash_node_data == offsetof(struct shash_node, data));
    CHECK(layout.hmap_size == sizeof(struct hmap));
    CHECK(layout.hmap_mask == offsetof(struct hmap, mask));
    CHECK(layout.ds_size == sizeof(struct ds));

    /* Today's OVS struct json on x86-64 (LP64), obtained by compiling the
     * struct of OVS's include/openvswitch/json.h (main branch) and
     * printing sizeof/offsetof; tests/c/ovs/run-json-at.sh checks the
     * members OVS 3.1 shares against the tarball's own header. */
    if (sizeof(void *) == 8) {
        CHECK(sizeof(struct json) == 40 && _Alignof(struct json) == 8);
        CHECK(offsetof(struct json, type) == 0);
        CHECK(offsetof(struct json, storage_type) == 4);
        CHECK(offsetof(struct json, count) == 8);
        CHECK(offsetof(struct json, object) == 16);
        CHECK(offsetof(struct json, elements) == 16);
        CHECK(offsetof(struct json, array.size) == 16);
        CHECK(offsetof(struct json, array.allocated) == 24);
        CHECK(offsetof(struct json, array.elements) == 32);
        CHECK(offsetof(struct json, integer) == 16);
        CHECK(offsetof(struct json, real) == 16);
        CHECK(offsetof(struct json, str) == 16);
        CHECK(offsetof(struct json, str_ptr) == 16);
        CHECK(sizeof(((struct json *) 0)->str) == 24);
    }
    /* OVS 3.1's names are the same members. */
    CHECK(offsetof(struct json, string) == offsetof(struct json, str_ptr));
    CHECK(offsetof(struct json, array.n) == offsetof(struct json, array.size));
    CHECK(offsetof(struct json, array.n_allocated)
          == offsetof(struct json, array.allocated));
    CHECK(offsetof(struct json, array.elems)
          == offsetof(struct json, array.elements));
    CHECK(JSON_STRING_INLINE_LEN == sizeof(struct json_array) - 1);
    CHECK(JSON_STRING_DYNAMIC == 0 && JSON_STRING_INLINE == 1);
    CHECK(JSON_ARRAY_DYNAMIC == 2 && JSON_ARRAY_INLINE_1 == 3);
    CHECK(JSON_ARRAY_INLINE_2 == 4 && JSON_ARRAY_INLINE_3 == 5);
    CHECK(JSPF_TRAILER == 1 && JSSF_PRETTY == 1 && JSSF_SORT == 2);

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

/* Checks that serializing object 'o' without JSSF_SORT lists the members
 * in SHASH_FOR_EACH order, as OVS's serializer does. */
static void
check_member_order(const struct json *o)
{
    struct shash_node *node;
    struct ds want = DS_EMPTY_INITIALIZER;
    char *got;

    ds_put_char(&want, '{');
    SHASH_FOR_EACH (node, json_object(o)) {
        char *value = json_to_string(node->data, 0);

        if (want.length > 1) {
            ds_put_char(&want, ',');
        }
        json_string_escape(node->name, &want);
        ds_put_format(&want, ":%s", value);
        free(value);
    }
    ds_put_char(&want, '}');
    got = json_to_string(o, 0);
    if (strcmp(got, ds_cstr(&want))) {
        fprintf(stderr, "member order: got %s, expected %s\n",
                got, ds_cstr(&want));
        failures++;
    }
    free(got);
    ds_destroy(&want);
}

static void
test_objects(void)
{
    struct json *o = json_object_create();
    struct shash_node *node;
    struct json *value;
    int n;
    char key[16];
    int i;

    CHECK(o->type == JSON_OBJECT && json_object_is_empty(o));
    CHECK(o->object == json_object(o) && shash_is_empty(o->object));
    json_object_put(o, "b", json_integer_create(1));
    json_object_put_string(o, "a", "text");
    json_object_put(o, "c", json_array_create_empty());
    json_object_put_nocopy(o, strdup("d"), json_null_create());
    CHECK(json_object_size(o) == 4 && !json_object_is_empty(o));
    CHECK(shash_count(json_object(o)) == 4);
    check_member_order(o);
    check_string(o, JSSF_SORT, "{\"a\":\"text\",\"b\":1,\"c\":[],\"d\":null}");
    check_string(o, JSSF_PRETTY | JSSF_SORT,
                 "{\n  \"a\": \"text\",\n  \"b\": 1,\n  \"c\": [],\n"
                 "  \"d\": null}");

    /* Replacing keeps the member's node and releases the old value. */
    node = shash_find(json_object(o), "b");
    json_object_put(o, "b", json_integer_create(2));
    CHECK(shash_find(json_object(o), "b") == node);
    CHECK(json_object_find(o, "b")->integer == 2);
    value = shash_find_data(json_object(o), "b");
    CHECK(value && value->integer == 2);
    CHECK(!strcmp(json_string(json_object_find(o, "a")), "text"));
    CHECK(json_object_find(o, "missing") == NULL);
    CHECK(json_object_find(NULL, "b") == NULL);

    n = 0;
    SHASH_FOR_EACH (node, json_object(o)) {
        struct json *v = node->data;
        CHECK(strlen(node->name) == 1 && strchr("abcd", node->name[0]));
        CHECK(v != NULL);
        n++;
    }
    CHECK(n == 4 && node == NULL);

    /* Enough members to make the map grow several times. */
    for (i = 0; i < 50; i++) {
        snprintf(key, sizeof key, "k%d", i);
        json_object_put(o, key, json_integer_create(i));
    }
    json_object_put(o, "k7", json_integer_create(700));
    json_object_put_format(o, "fmt", "%s-%d", "x", 42);
    CHECK(json_object_size(o) == 55);
    CHECK(json_object_find(o, "k7")->integer == 700);
    CHECK(json_object_find(o, "k49")->integer == 49);
    CHECK(!strcmp(json_string(json_object_find(o, "fmt")), "x-42"));
    CHECK(json_object_find(o, "a") != NULL);
    check_member_order(o);

    /* Code may remove members itself, as OVS code does. */
    value = shash_find_and_delete(json_object(o), "k3");
    CHECK(value && value->integer == 3);
    json_destroy(value);
    CHECK(json_object_find(o, "k3") == NULL && json_object_size(o) == 54);
    json_destroy(o);
}

static void
test_uuid(void)
{
    struct uuid u = {
        { 0x01234567, 0x89abcdef, 0x02468ace, 0x13579bdf }
    };
    struct json *s = json_string_create_uuid(&u);
    struct json *o = json_object_create();

    CHECK(!strcmp(json_string(s), "01234567-89ab-cdef-0246-8ace13579bdf"));
    json_object_put_uuid(o, "u", &u);
    CHECK(json_equal(json_object_find(o, "u"), s));
    json_destroy(s);
    json_destroy(o);
}

/* Nodes written by hand, as generated IDL code and OVS's own builders
 * write them: strings and arrays stored in place or through pointers that
 * ovsrpc did not allocate.  Every reader takes them. */
static void
test_storage(void)
{
    static char ptr_text[] = "pointed";
    struct json dyn = {
        .type = JSON_STRING, .storage_type = JSON_STRING_DYNAMIC,
        .count = 1, .str_ptr = ptr_text,
    };
    struct json in = {
        .type = JSON_STRING, .storage_type = JSON_STRING_INLINE,
        .count = 1, .str = "in place",
    };
    struct json one = { .type = JSON_INTEGER, .count = 1, .integer = 1 };
    struct json arr = {
        .type = JSON_ARRAY, .storage_type = JSON_ARRAY_INLINE_3, .count = 1,
        .elements = { &dyn, &in, &one },
    };
    struct json *copy, *parsed, *heap;
    struct shash members = SHASH_INITIALIZER(&members);
    struct json obj = {
        .type = JSON_OBJECT, .count = 1, .object = &members,
    };

    CHECK(!strcmp(json_string(&dyn), "pointed"));
    CHECK(!strcmp(json_string(&in), "in place"));
    check_string(&in, 0, "\"in place\"");
    CHECK(json_array_size(&arr) == 3);
    CHECK(json_array_at(&arr, 1) == &in && json_array_at(&arr, 3) == NULL);
    check_string(&arr, 0, "[\"pointed\",\"in place\",1]");
    CHECK(json_array_contains_string(&arr, "in place"));

    parsed = json_from_string("[\"pointed\",\"in place\",1]");
    CHECK(json_equal(&arr, parsed) && json_equal(parsed, &arr));
    CHECK(json_hash(&arr, 7) == json_hash(parsed, 7));
    copy = json_deep_clone(&arr);
    CHECK(copy->storage_type == JSON_ARRAY_DYNAMIC);
    CHECK(json_equal(copy, parsed));
    json_destroy(copy);

    /* Every node ovsrpc makes is dynamic: OVS 3.1 code reads ->string and
     * ->array.elems directly. */
    CHECK(parsed->storage_type == JSON_ARRAY_DYNAMIC);
    CHECK(parsed->array.n == 3 && parsed->array.elems[2]->integer == 1);
    CHECK(parsed->array.elems[1]->storage_type == JSON_STRING_DYNAMIC);
    CHECK(!strcmp(parsed->array.elems[1]->string, "in place"));
    CHECK(json_array(parsed) == &parsed->array);
    json_destroy(parsed);

    /* A static object over a caller's shash. */
    shash_add(&members, "k", &in);
    check_string(&obj, 0, "{\"k\":\"in place\"}");
    CHECK(json_object_find(&obj, "k") == &in);
    shash_destroy(&members);

    /* Changing an inline array makes it dynamic first (the node is the
     * caller's: it frees what the library allocated for it). */
    heap = &arr;
    arr = (struct json) {
        .type = JSON_ARRAY, .storage_type = JSON_ARRAY_INLINE_2, .count = 1,
        .elements = { json_integer_create(1), json_string_create("two") },
    };
    json_array_add(heap, json_null_create());
    CHECK(heap->storage_type == JSON_ARRAY_DYNAMIC);
    CHECK(heap->array.size == 3);
    check_string(heap, 0, "[1,\"two\",null]");
    for (size_t i = 0; i < heap->array.size; i++) {
        json_destroy(heap->array.elems[i]);
    }
    free(heap->array.elems);
}

static void
test_text(void)
{
    const char *text = "{\"a\": [1, 2.5, \"x\\ny\"]} [true] 17 ";
    struct json_parser *p;
    struct json *json, *ser, *back;
    struct ds ds = DS_EMPTY_INITIALIZER;
    char *out;
    size_t i, used;
    FILE *file;
    char path[] = "/tmp/ovsrpc-test-json-XXXXXX";
    int fd;

    /* The incremental parser, a byte at a time: it stops after each
     * complete value. */
    p = json_parser_create(0);
    for (i = 0; !json_parser_is_done(p); i++) {
        CHECK(json_parser_feed(p, &text[i], 1) == 1);
    }
    json = json_parser_finish(p);
    check_string(json, 0, "{\"a\":[1,2.5,\"x\\ny\"]}");
    json_destroy(json);
    used = i;
    p = json_parser_create(0);
    used += json_parser_feed(p, text + used, strlen(text) - used);
    json = json_parser_finish(p);
    check_string(json, 0, "[true]");
    json_destroy(json);
    CHECK(used < strlen(text));
    json_parser_abort(json_parser_create(0));
    json_parser_abort(NULL);

    /* JSPF_TRAILER: a whole document, nothing after it. */
    p = json_parser_create(JSPF_TRAILER);
    json_parser_feed(p, "[1] [2]", 7);
    json = json_parser_finish(p);
    CHECK(json->type == JSON_STRING);
    json_destroy(json);

    /* json_to_ds() appends. */
    ds_put_cstr(&ds, "x=");
    json = json_from_string("{\"b\":1,\"a\":[null]}");
    json_to_ds(json, JSSF_SORT, &ds);
    CHECK(!strcmp(ds_cstr(&ds), "x={\"a\":[null],\"b\":1}"));
    ds_clear(&ds);
    json_to_ds(json, JSSF_SORT | JSSF_PRETTY, &ds);
    out = json_to_string(json, JSSF_SORT | JSSF_PRETTY);
    CHECK(!strcmp(ds_cstr(&ds), out));
    free(out);

    /* The inline struct ds functions. */
    ds_clear(&ds);
    ds_put_utf8(&ds, 0xe9);
    ds_put_utf8(&ds, 0x20ac);
    ds_put_utf8(&ds, 0x1f600);
    ds_put_utf8(&ds, 0x110000);
    CHECK(!strcmp(ds_cstr(&ds), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbd"));
    ds_clear(&ds);
    ds_put_printable(&ds, "a\"\n\\", 4);
    CHECK(!strcmp(ds_cstr(&ds), "a\\042\\012\\134"));
    ds_clear(&ds);
    for (i = 0; i < 100; i++) {
        ds_put_format(&ds, "%03d,", (int) i);
    }
    CHECK(ds.length == 400 && !strncmp(ds_cstr(&ds) + 396, "099,", 4));
    CHECK(ds_chomp(&ds, ',') && ds_last(&ds) == '9');
    ds_truncate(&ds, 3);
    CHECK(!strcmp(ds_cstr_ro(&ds), "000"));
    out = ds_steal_cstr(&ds);
    CHECK(!strcmp(out, "000") && ds.string == NULL);
    free(out);

    /* Serialized objects. */
    ser = json_serialized_object_create(json);
    CHECK(ser->type == JSON_SERIALIZED_OBJECT);
    CHECK(!strcmp(json_serialized_object(ser), "{\"a\":[null],\"b\":1}"));
    back = json_from_serialized_object(ser);
    CHECK(json_equal(back, json));
    json_destroy(back);
    back = json_array_create_1(ser);
    check_string(back, 0, "[{\"a\":[null],\"b\":1}]");
    json_destroy(back);
    json_destroy(json);

    /* Escaping and unescaping. */
    ds_clear(&ds);
    json_string_escape("a\"b\\c\n\x01", &ds);
    CHECK(!strcmp(ds_cstr(&ds), "\"a\\\"b\\\\c\\n\\u0001\""));
    ds_destroy(&ds);
    CHECK(json_string_unescape("x\\u00e9\\ty", 11, &out));
    CHECK(!strcmp(out, "x\xc3\xa9\ty"));
    free(out);
    CHECK(!json_string_unescape("a\"b", 3, &out));
    CHECK(!strcmp(out, "quoted string may not include unescaped \""));
    free(out);
    CHECK(!json_string_unescape("ab\\", 3, &out));
    CHECK(!strcmp(out, "quoted string may not end with backslash"));
    free(out);
    CHECK(!json_string_unescape("\\q", 2, &out));
    CHECK(!strcmp(out, "bad escape \\q"));
    free(out);

    /* Files and streams. */
    fd = mkstemp(path);
    CHECK(fd >= 0);
    file = fdopen(fd, "w+");
    fputs(" {\"f\": [1, {}]}\n", file);
    rewind(file);
    json = json_from_stream(file);
    check_string(json, 0, "{\"f\":[1,{}]}");
    json_destroy(json);
    fclose(file);
    json = json_from_file(path);
    check_string(json, 0, "{\"f\":[1,{}]}");
    json_destroy(json);
    remove(path);
    json = json_from_file(path);
    CHECK(json->type == JSON_STRING);
    CHECK(strstr(json_string(json), "error opening") != NULL);
    CHECK(strstr(json_string(json), "No such file or directory") != NULL);
    json_destroy(json);
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

/* Parsed nodes keep a string's bytes, an array's elements and a member's
 * name in the node's own block; every mutator works on them, and what C
 * code gets to own (a stolen name) is its own malloc()ed block: valgrind
 * checks each free. */
static void
test_parsed_nodes_mutate(void)
{
    struct json *doc = json_from_string(
        "{\"list\":[\"a\",\"b\",\"c\"],\"name\":\"value\",\"n\":1}");
    struct json *list = json_object_find(doc, "list");
    struct shash *members = json_object(doc);
    struct shash_node *node;
    char *name;

    CHECK(doc->type == JSON_OBJECT && list && list->type == JSON_ARRAY);
    json_array_set(list, 1, json_string_create("B"));
    json_destroy(json_array_pop(list));
    json_array_trim(list);
    for (int i = 0; i < 10; i++) {
        json_array_add(list, json_integer_create(i));
    }
    CHECK(json_array_size(list) == 12);
    CHECK(!strcmp(json_string(json_array_at(list, 1)), "B"));
    json_array_trim(list);
    CHECK(list->array.n == 12 && list->array.n_allocated == 12);

    node = shash_find(members, "name");
    CHECK(node && !strcmp(node->name, "name"));
    json_destroy(node->data);
    name = shash_steal(members, node);
    CHECK(!strcmp(name, "name"));
    free(name);                 /* The caller's own block. */
    json_object_put(doc, "name", json_string_create("again"));
    CHECK(!strcmp(json_string(json_object_find(doc, "name")), "again"));
    json_destroy(shash_find_and_delete(members, "n"));
    CHECK(shash_count(members) == 2);
    check_string(doc, JSSF_SORT,
                 "{\"list\":[\"a\",\"B\",0,1,2,3,4,5,6,7,8,9],"
                 "\"name\":\"again\"}");
    json_destroy(doc);
}

/* Parsed nodes share arena chunks; a chunk goes with its last node on
 * whatever thread drops it.  Parts of parsed documents are destroyed on
 * other threads while this one parses on: valgrind sees every chunk freed
 * once and nothing read after. */
#define N_DESTROYERS 4
#define N_DOCS 200

struct destroy_queue {
    struct json *parts[N_DOCS];
};

static void *
destroy_parts(void *queue_)
{
    struct destroy_queue *queue = queue_;

    for (size_t i = 0; i < N_DOCS; i++) {
        json_destroy(queue->parts[i]);
    }
    return NULL;
}

static void
test_parts_destroyed_on_other_threads(void)
{
    static struct destroy_queue queues[N_DESTROYERS];
    pthread_t threads[N_DESTROYERS];

    for (size_t d = 0; d < N_DOCS; d++) {
        struct json *doc = json_from_string(
            "{\"a\":[1,\"x\",{\"k\":\"v\"}],\"b\":{\"c\":[true,null]},"
            "\"c\":\"a string longer than a few words\",\"d\":[[],[2.5]]}");
        const char *names[N_DESTROYERS] = { "a", "b", "c", "d" };

        CHECK(doc->type == JSON_OBJECT);
        for (size_t t = 0; t < N_DESTROYERS; t++) {
            queues[t].parts[d] = json_clone(json_object_find(doc, names[t]));
        }
        json_destroy(doc);
    }
    for (size_t t = 0; t < N_DESTROYERS; t++) {
        CHECK(!pthread_create(&threads[t], NULL, destroy_parts, &queues[t]));
    }
    /* Parsing goes on meanwhile, from the same thread's arena. */
    for (size_t d = 0; d < N_DOCS; d++) {
        struct json *more = json_from_string("[\"more\",{\"n\":1}]");
        check_string(more, 0, "[\"more\",{\"n\":1}]");
        json_destroy(more);
    }
    for (size_t t = 0; t < N_DESTROYERS; t++) {
        CHECK(!pthread_join(threads[t], NULL));
    }
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
    test_uuid();
    test_storage();
    test_text();
    test_parse();
    test_refcount();
    test_parsed_nodes_mutate();
    test_parts_destroyed_on_other_threads();
    test_deep_clone_equal_hash();
    return checks_finish("");
}
