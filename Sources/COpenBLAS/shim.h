// OpenBLAS from Debian's libopenblas-dev (pkg-config `openblas`): the CBLAS interface plus the
// thread-count controls. The only C interop of the Inference target.
#ifndef VIGIL_COPENBLAS_SHIM_H
#define VIGIL_COPENBLAS_SHIM_H
#include <cblas.h>
#endif
