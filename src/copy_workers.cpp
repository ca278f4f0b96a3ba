// The entry points of ivory's background workers (background_copy.hpp): the
// worker's edge, as edge.cpp is the SQL functions'. An error ends the worker
// with the error in the server's log, after every C++ object is gone.
#include "background_copy.hpp"
#include "pg/guard.hpp"

extern "C" {
PGDLLEXPORT void ivory_copy_coordinator_main(Datum argument);
PGDLLEXPORT void ivory_copy_worker_main(Datum argument);
}

extern "C" void ivory_copy_coordinator_main(Datum argument) {
    ivory::pg::call_from_postgres([&] {
        ivory::run_copy_coordinator(ivory::pg::start_worker(argument));
        return (Datum)0;
    });
}

extern "C" void ivory_copy_worker_main(Datum argument) {
    ivory::pg::call_from_postgres([&] {
        ivory::run_copy_worker(ivory::pg::start_worker(argument));
        return (Datum)0;
    });
}
