// zstd's streaming API (Debian: libzstd-dev).
#include <zstd.h>
