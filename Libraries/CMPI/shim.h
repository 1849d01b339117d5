// Open MPI (Debian: libopenmpi-dev). Its predefined handles are macros over extern structs that
// Swift cannot import, so these return them.
#include <mpi.h>

static inline MPI_Comm birdie_mpi_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype birdie_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype birdie_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype birdie_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Op birdie_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Status *birdie_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
