// libsodium, as the CURVE mechanism and the key tools use it (crypto_box, crypto_secretbox, crypto_scalarmult,
// randombytes, sodium_memzero). The system library is found through pkg-config (libsodium).
#ifndef VTX_CSODIUM_SHIM_H
#define VTX_CSODIUM_SHIM_H
#include <sodium.h>
#endif
