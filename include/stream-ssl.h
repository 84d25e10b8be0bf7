/* stream-ssl.h: TLS configuration for "ssl:" and "pssl:" streams, from
 * ovsrpc.
 *
 * Drop-in for Open vSwitch's lib/stream-ssl.h: the functions are declared
 * in ovsrpc.h (generated); this header adds OVS's command-line option
 * macros (SSL_OPTION_ENUMS, STREAM_SSL_LONG_OPTIONS,
 * STREAM_SSL_OPTION_HANDLERS, STREAM_SSL_CASES), which need <getopt.h>. */

#ifndef STREAM_SSL_H
#define STREAM_SSL_H 1

#include <stdbool.h>

#include "ovsrpc.h"

#define SSL_OPTION_ENUMS                        \
        OPT_SSL_PROTOCOLS,                      \
        OPT_SSL_CIPHERS,                        \
        OPT_SSL_CIPHERSUITES,                   \
        OPT_SSL_SERVER_NAME

#define STREAM_SSL_LONG_OPTIONS                                           \
        {"private-key", required_argument, NULL, 'p'},                    \
        {"certificate", required_argument, NULL, 'c'},                    \
        {"ca-cert",     required_argument, NULL, 'C'},                    \
        {"ssl-protocols", required_argument, NULL, OPT_SSL_PROTOCOLS},    \
        {"ssl-ciphers", required_argument, NULL, OPT_SSL_CIPHERS},        \
        {"ssl-ciphersuites", required_argument, NULL, OPT_SSL_CIPHERSUITES}, \
        {"ssl-server-name", required_argument, NULL, OPT_SSL_SERVER_NAME}

#define STREAM_SSL_OPTION_HANDLERS                      \
        case 'p':                                       \
            stream_ssl_set_private_key_file(optarg);    \
            break;                                      \
                                                        \
        case 'c':                                       \
            stream_ssl_set_certificate_file(optarg);    \
            break;                                      \
                                                        \
        case 'C':                                       \
            stream_ssl_set_ca_cert_file(optarg, false); \
            break;                                      \
                                                        \
        case OPT_SSL_PROTOCOLS:                         \
            stream_ssl_set_protocols(optarg);           \
            break;                                      \
                                                        \
        case OPT_SSL_CIPHERS:                           \
            stream_ssl_set_ciphers(optarg);             \
            break;                                      \
                                                        \
        case OPT_SSL_CIPHERSUITES:                      \
            stream_ssl_set_ciphersuites(optarg);        \
            break;                                      \
                                                        \
        case OPT_SSL_SERVER_NAME:                       \
            stream_ssl_set_server_name(optarg);         \
            break;

#define STREAM_SSL_CASES                                                \
    case 'p': case 'c': case 'C': case OPT_SSL_PROTOCOLS:              \
    case OPT_SSL_CIPHERS: case OPT_SSL_CIPHERSUITES: case OPT_SSL_SERVER_NAME:

#endif /* stream-ssl.h */
