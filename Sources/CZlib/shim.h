// The system zlib (Debian package zlib1g-dev), for OpenPGP compressed data packets.
#include <zlib.h>
