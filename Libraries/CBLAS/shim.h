// OpenBLAS's CBLAS interface (Debian: libopenblas-dev, pthread build).
#include <cblas.h>
