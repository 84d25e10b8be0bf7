/* openvswitch/dynamic-string.h: Open vSwitch's growable string, from
 * ovsrpc.
 *
 * struct ds has OVS's layout; json_to_ds() and json_string_escape()
 * append to one.  Most of OVS's API is implemented here, with OVS's
 * behaviour, as static inline functions:
 * libovsrpc.a itself defines no ds_* symbol, so a program that also links
 * OVS's objects takes the whole API from OVS's dynamic-string.o without
 * clashes.  The string is malloc()ed; ds_steal_cstr() hands it to the
 * caller, who frees it with free(). */

#ifndef OPENVSWITCH_DYNAMIC_STRING_H
#define OPENVSWITCH_DYNAMIC_STRING_H 1

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A "dynamic string", that is, a buffer that can be used to construct a
 * string across a series of operations that extend or modify it. */
struct ds {
    char *string;       /* Null-terminated string. */
    size_t length;      /* Bytes used, not including null terminator. */
    size_t allocated;   /* Bytes allocated, not including null terminator. */
};

#define DS_EMPTY_INITIALIZER { NULL, 0, 0 }

static inline void *
ovsrpc_ds_xrealloc__(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    if (!q) {
        fputs("ovsrpc: virtual memory exhausted\n", stderr);
        abort();
    }
    return q;
}

static inline void
ds_init(struct ds *ds)
{
    ds->string = NULL;
    ds->length = 0;
    ds->allocated = 0;
}

/* Makes room for at least 'min_length' bytes (plus the null). */
static inline void
ds_reserve(struct ds *ds, size_t min_length)
{
    if (min_length > ds->allocated || !ds->string) {
        ds->allocated += min_length > ds->allocated ? min_length
                                                    : ds->allocated;
        ds->string = (char *) ovsrpc_ds_xrealloc__(ds->string,
                                                   ds->allocated + 1);
    }
}

/* Appends 'n' uninitialized bytes and returns where they start. */
static inline char *
ds_put_uninit(struct ds *ds, size_t n)
{
    ds_reserve(ds, ds->length + n);
    ds->length += n;
    ds->string[ds->length] = '\0';
    return &ds->string[ds->length - n];
}

static inline void
ds_clear(struct ds *ds)
{
    ds->length = 0;
}

static inline void
ds_truncate(struct ds *ds, size_t new_length)
{
    if (ds->length > new_length) {
        ds->length = new_length;
        ds->string[new_length] = '\0';
    }
}

static inline void
ds_put_char(struct ds *ds, char c)
{
    *ds_put_uninit(ds, 1) = c;
}

static inline void
ds_put_char_multiple(struct ds *ds, char c, size_t n)
{
    memset(ds_put_uninit(ds, n), c, n);
}

static inline void
ds_put_buffer(struct ds *ds, const char *s, size_t n)
{
    memcpy(ds_put_uninit(ds, n), s, n);
}

static inline void
ds_put_cstr(struct ds *ds, const char *s)
{
    ds_put_buffer(ds, s, strlen(s));
}

/* Appends code point 'uc' in UTF-8 (U+FFFD for a value beyond
 * U+10FFFF). */
static inline void
ds_put_utf8(struct ds *ds, int uc)
{
    unsigned int u = uc < 0 || uc > 0x10ffff ? 0xfffd : (unsigned int) uc;

    if (u < 0x80) {
        ds_put_char(ds, (char) u);
    } else if (u < 0x800) {
        ds_put_char(ds, (char) (0xc0 | (u >> 6)));
        ds_put_char(ds, (char) (0x80 | (u & 0x3f)));
    } else if (u < 0x10000) {
        ds_put_char(ds, (char) (0xe0 | (u >> 12)));
        ds_put_char(ds, (char) (0x80 | ((u >> 6) & 0x3f)));
        ds_put_char(ds, (char) (0x80 | (u & 0x3f)));
    } else {
        ds_put_char(ds, (char) (0xf0 | (u >> 18)));
        ds_put_char(ds, (char) (0x80 | ((u >> 12) & 0x3f)));
        ds_put_char(ds, (char) (0x80 | ((u >> 6) & 0x3f)));
        ds_put_char(ds, (char) (0x80 | (u & 0x3f)));
    }
}

static inline void
ds_put_and_free_cstr(struct ds *ds, char *s)
{
    ds_put_cstr(ds, s);
    free(s);
}

static inline void
ds_put_format_valist(struct ds *ds, const char *format, va_list args_)
{
    va_list args;
    size_t available;
    int needed;

    va_copy(args, args_);
    available = ds->string ? ds->allocated - ds->length + 1 : 0;
    needed = vsnprintf(ds->string ? &ds->string[ds->length] : NULL,
                       available, format, args);
    va_end(args);

    if (needed < 0) {
        return;
    }
    if ((size_t) needed < available) {
        ds->length += needed;
    } else {
        ds_reserve(ds, ds->length + needed);
        va_copy(args, args_);
        available = ds->allocated - ds->length + 1;
        needed = vsnprintf(&ds->string[ds->length], available, format, args);
        va_end(args);
        ds->length += needed;
    }
}

static inline void
#ifdef __GNUC__
__attribute__((format(printf, 2, 3)))
#endif
ds_put_format(struct ds *ds, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    ds_put_format_valist(ds, format, args);
    va_end(args);
}

/* Appends the 'n' bytes at 's', writing bytes outside printable ASCII,
 * backslashes and double quotes as "\ooo" octal escapes. */
static inline void
ds_put_printable(struct ds *ds, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char) s[i];
        if (c >= 0x20 && c <= 0x7e && c != '\\' && c != '"') {
            ds_put_char(ds, (char) c);
        } else {
            ds_put_format(ds, "\\%03o", (unsigned int) c);
        }
    }
}

/* Replaces the contents of 'ds' with the next line of 'file', without
 * its newline.  Returns 0, or EOF at the end of the file with nothing
 * read. */
static inline int
ds_get_line(struct ds *ds, FILE *file)
{
    ds_clear(ds);
    for (;;) {
        int c = getc(file);
        if (c == EOF) {
            return ds->length ? 0 : EOF;
        } else if (c == '\n') {
            return 0;
        }
        ds_put_char(ds, (char) c);
    }
}

/* The string, null-terminated; it stays owned by 'ds'. */
static inline char *
ds_cstr(struct ds *ds)
{
    if (!ds->string) {
        ds_reserve(ds, 0);
    }
    ds->string[ds->length] = '\0';
    return ds->string;
}

static inline const char *
ds_cstr_ro(const struct ds *ds)
{
    return ds_cstr((struct ds *) ds);
}

/* The string, for the caller to free(); 'ds' is left empty. */
static inline char *
ds_steal_cstr(struct ds *ds)
{
    char *s = ds_cstr(ds);
    ds_init(ds);
    return s;
}

static inline void
ds_destroy(struct ds *ds)
{
    free(ds->string);
}

static inline void
ds_swap(struct ds *a, struct ds *b)
{
    struct ds temp = *a;
    *a = *b;
    *b = temp;
}

/* The last character, or EOF if 'ds' is empty. */
static inline int
ds_last(const struct ds *ds)
{
    return ds->length > 0 ? (unsigned char) ds->string[ds->length - 1] : EOF;
}

/* Removes a trailing 'c', returning true if there was one. */
static inline bool
ds_chomp(struct ds *ds, int c)
{
    if (ds->length > 0 && ds->string[ds->length - 1] == (char) c) {
        ds->string[--ds->length] = '\0';
        return true;
    }
    return false;
}

static inline void
ds_clone(struct ds *dst, struct ds *source)
{
    if (!source->allocated) {
        ds_init(dst);
        return;
    }
    dst->length = source->length;
    dst->allocated = dst->length;
    dst->string = (char *) ovsrpc_ds_xrealloc__(NULL, dst->allocated + 1);
    memcpy(dst->string, source->string, dst->allocated + 1);
}

/* The rest of OVS's API, declared for code that uses it: these are
 * defined by OVS's own dynamic-string.o (libopenvswitch.a), not by
 * libovsrpc.a. */
void ds_put_hex(struct ds *ds, const void *buf, size_t size);
void ds_put_hex_dump(struct ds *ds, const void *buf_, size_t size,
                     uintptr_t ofs, bool ascii);
void ds_put_sparse_hex_dump(struct ds *ds, const void *buf_, size_t size,
                            uintptr_t ofs, bool ascii);
int ds_get_preprocessed_line(struct ds *, FILE *, int *line_number);
int ds_get_test_line(struct ds *, FILE *);
void ds_put_strftime_msec(struct ds *, const char *format, long long int when,
                          bool utc);
char *xastrftime_msec(const char *format, long long int when, bool utc);

#ifdef __cplusplus
}
#endif

#endif /* OPENVSWITCH_DYNAMIC_STRING_H */
