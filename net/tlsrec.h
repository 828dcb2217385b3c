/* TLS 1.2 AES-128-GCM records (RFC 5288) for BearSSL's engine, sealed and
 * opened by net/gcm.c in one pass (docs/design-notes.md#gcm). Installed
 * with br_ssl_engine_set_gcm() when gcm_usable(); BearSSL's own record
 * classes serve otherwise, and for any key that is not 128 bits. */
#ifndef SALVAGE_NET_TLSREC_H
#define SALVAGE_NET_TLSREC_H
#include <bearssl.h>

extern const br_sslrec_in_gcm_class net_tlsrec_gcm_in;
extern const br_sslrec_out_gcm_class net_tlsrec_gcm_out;

#endif
