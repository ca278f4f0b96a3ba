// The entry points of ivory's background workers (background_copy.hpp,
// database_lock.hpp, reverse_replication.hpp): the worker's edge, as edge.cpp
// is the SQL functions'. An error ends the worker with the error in the
// server's log, after every C++ object is gone.
#include "background_copy.hpp"
#include "database_lock.hpp"
#include "pg/guard.hpp"
#include "reverse_replication.hpp"

extern "C" {
PGDLLEXPORT void ivory_copy_coordinator_main(Datum argument);
PGDLLEXPORT void ivory_copy_worker_main(Datum argument);
PGDLLEXPORT void ivory_lock_database_main(Datum argument);
PGDLLEXPORT void ivory_publish_back_main(Datum argument);
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

extern "C" void ivory_lock_database_main(Datum argument) {
    ivory::pg::call_from_postgres([&] {
        ivory::run_database_lock(ivory::pg::start_worker(argument));
        return (Datum)0;
    });
}

extern "C" void ivory_publish_back_main(Datum argument) {
    ivory::pg::call_from_postgres([&] {
        ivory::run_publish_back(ivory::pg::start_worker(argument));
        return (Datum)0;
    });
}
