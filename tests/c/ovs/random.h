/* random.h: the pseudo-random numbers OVS's test programs ask for
 * (one per-process generator, seeded from the clock unless set). */

#ifndef OVSRPC_HARNESS_RANDOM_H
#define OVSRPC_HARNESS_RANDOM_H 1

#include <stddef.h>
#include <stdint.h>

void random_init(void);
void random_set_seed(uint32_t);
void random_bytes(void *, size_t);
uint32_t random_uint32(void);
uint64_t random_uint64(void);

/* A number in [0, max). */
static inline int
random_range(int max)
{
    return random_uint32() % max;
}

static inline uint8_t
random_uint8(void)
{
    return random_uint32();
}

static inline uint16_t
random_uint16(void)
{
    return random_uint32();
}

#endif
