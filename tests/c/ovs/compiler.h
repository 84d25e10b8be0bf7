/* compiler.h: the attribute macros OVS's test programs use, as this
 * harness provides them (GCC and Clang spellings only). */

#ifndef OVSRPC_HARNESS_COMPILER_H
#define OVSRPC_HARNESS_COMPILER_H 1

#ifndef OVS_UNUSED
#define OVS_UNUSED __attribute__((__unused__))
#endif
#ifndef OVS_NO_RETURN
#define OVS_NO_RETURN __attribute__((__noreturn__))
#endif
#ifndef OVS_PRINTF_FORMAT
#define OVS_PRINTF_FORMAT(FMT, ARG1) \
    __attribute__((__format__(printf, FMT, ARG1)))
#endif
#ifndef OVS_SCANF_FORMAT
#define OVS_SCANF_FORMAT(FMT, ARG1) \
    __attribute__((__format__(scanf, FMT, ARG1)))
#endif
#ifndef OVS_WARN_UNUSED_RESULT
#define OVS_WARN_UNUSED_RESULT __attribute__((__warn_unused_result__))
#endif
#ifndef OVS_LIKELY
#define OVS_LIKELY(CONDITION) __builtin_expect(!!(CONDITION), 1)
#define OVS_UNLIKELY(CONDITION) __builtin_expect(!!(CONDITION), 0)
#endif
#ifndef MALLOC_LIKE
#define MALLOC_LIKE __attribute__((__malloc__))
#endif
#ifndef OVS_CONSTRUCTOR
/* Runs FUNCTION before main(): how OVSTEST_REGISTER adds a command. */
#define OVS_CONSTRUCTOR(FUNCTION)                                   \
    static void FUNCTION(void) __attribute__((__constructor__));    \
    static void FUNCTION(void)
#endif
#ifndef OVS_PACKED
#define OVS_PACKED(DECL) DECL __attribute__((__packed__))
#endif

#endif
