// The fmgr edge: every SQL entry point of the extension, one line each.
// Each unpacks its arguments, calls plain C++ (functions.hpp) and packs the
// result, inside call_from_postgres so no C++ exception reaches PostgreSQL.
#include <string>

#include "functions.hpp"
#include "pg/foreign_source.hpp"
#include "pg/guard.hpp"
#include "pg/result_set.hpp"
#include "pg/trigger_row.hpp"
#include "recorded_ddl.hpp"
#include "result_rows.hpp"
#include "verify.hpp"

extern "C" {
PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(ivory_version);
PG_FUNCTION_INFO_V1(ivory_check);
PG_FUNCTION_INFO_V1(ivory_schema_diff);
PG_FUNCTION_INFO_V1(ivory_copy_schema);
PG_FUNCTION_INFO_V1(ivory_replication_create);
PG_FUNCTION_INFO_V1(ivory_replication_start);
PG_FUNCTION_INFO_V1(ivory_replication_stop);
PG_FUNCTION_INFO_V1(ivory_replication_status);
PG_FUNCTION_INFO_V1(ivory_replication_drop);
PG_FUNCTION_INFO_V1(ivory_replication_ddl);
PG_FUNCTION_INFO_V1(ivory_replication_ddl_skip);
PG_FUNCTION_INFO_V1(ivory_replication_ddl_retry);
PG_FUNCTION_INFO_V1(ivory_apply_recorded_ddl);
PG_FUNCTION_INFO_V1(ivory_copy_roles);
PG_FUNCTION_INFO_V1(ivory_copy_large_objects);
PG_FUNCTION_INFO_V1(ivory_sync_sequences);
PG_FUNCTION_INFO_V1(ivory_verify_data);
PG_FUNCTION_INFO_V1(ivory_switchover);
PG_FUNCTION_INFO_V1(ivory_switchback);
PG_FUNCTION_INFO_V1(ivory_reverse_replication_drop);
PG_FUNCTION_INFO_V1(ivory_unlock_source);
PG_FUNCTION_INFO_V1(ivory_fdw_validator);
}

namespace {

using ivory::pg::bool_argument;
using ivory::pg::call_from_postgres;
using ivory::pg::float8_argument;
using ivory::pg::int64_argument;
using ivory::pg::optional_int32_argument;
using ivory::pg::optional_text_argument;
using ivory::pg::required_bool_argument;
using ivory::pg::required_text_argument;
using ivory::pg::return_rows;
using ivory::pg::text_array_argument;
using ivory::pg::text_result;

// replication_start's split_tables_larger_than by default: 1 GB.
constexpr long long default_split_bytes = 1LL << 30;

// switchover's phase: 'all' when absent (an older definition).
ivory::SwitchoverPhase phase_argument(FunctionCallInfo fcinfo, int number) {
    if (PG_NARGS() <= number)
        return ivory::SwitchoverPhase::all;
    const std::string word = required_text_argument(fcinfo, number, "phase");
    if (const std::optional<ivory::SwitchoverPhase> phase = ivory::parse_switchover_phase(word))
        return *phase;
    throw ivory::Error(ivory::sqlstate::invalid_parameter, "invalid phase \"" + word + "\"", "",
                       "Give 'all', 'prepare', 'lock' or 'finish'.");
}

// The source argument: a connection string, or an ivory_fdw server's name.
std::string source_argument(FunctionCallInfo fcinfo, int number) {
    return ivory::pg::resolve_source(required_text_argument(fcinfo, number, "source"));
}

// Rows of a typed result (result_rows.hpp), or rows already (copy_schema's).
using ivory::rows_of;
const ivory::Rows &rows_of(const ivory::Rows &rows) {
    return rows;
}

// A set-returning function of one text argument (the source).
template <typename Work> Datum rows_of_source(FunctionCallInfo fcinfo, Work work) {
    return call_from_postgres([&] {
        return_rows(fcinfo, rows_of(work(source_argument(fcinfo, 0))));
        return (Datum)0;
    });
}

} // namespace

extern "C" Datum ivory_version(PG_FUNCTION_ARGS) {
    (void)fcinfo;
    PG_RETURN_TEXT_P(cstring_to_text(ivory::version));
}

extern "C" Datum ivory_check(PG_FUNCTION_ARGS) {
    return rows_of_source(fcinfo, ivory::check);
}

extern "C" Datum ivory_schema_diff(PG_FUNCTION_ARGS) {
    return rows_of_source(fcinfo, ivory::schema_diff);
}

extern "C" Datum ivory_copy_schema(PG_FUNCTION_ARGS) {
    return rows_of_source(fcinfo, ivory::copy_schema_rows);
}

extern "C" Datum ivory_replication_create(PG_FUNCTION_ARGS) {
    return call_from_postgres([&] {
        return_rows(fcinfo, rows_of(ivory::replication_create(
                                source_argument(fcinfo, 0),
                                required_text_argument(fcinfo, 1, "publication_name"),
                                required_text_argument(fcinfo, 2, "subscription_name"),
                                optional_text_argument(fcinfo, 3), bool_argument(fcinfo, 4),
                                bool_argument(fcinfo, 5),
                                // track_ddl came with 0.6.0.
                                PG_NARGS() > 6 && bool_argument(fcinfo, 6))));
        return (Datum)0;
    });
}

extern "C" Datum ivory_replication_start(PG_FUNCTION_ARGS) {
    return call_from_postgres([&] {
        // wait, jobs and split_tables_larger_than came with 0.4.0; the older
        // definitions have four arguments.
        const bool wait = PG_NARGS() > 4 && bool_argument(fcinfo, 4);
        const long long split_bytes =
            PG_NARGS() > 6 ? int64_argument(fcinfo, 6, default_split_bytes) : default_split_bytes;
        return text_result(ivory::replication_start_message(
            required_text_argument(fcinfo, 0, "subscription_name"), bool_argument(fcinfo, 1),
            bool_argument(fcinfo, 2), bool_argument(fcinfo, 3), wait,
            optional_int32_argument(fcinfo, 5), split_bytes));
    });
}

extern "C" Datum ivory_replication_stop(PG_FUNCTION_ARGS) {
    return call_from_postgres([&] {
        return text_result(ivory::replication_stop_message(
            required_text_argument(fcinfo, 0, "subscription_name"), bool_argument(fcinfo, 1)));
    });
}

extern "C" Datum ivory_replication_status(PG_FUNCTION_ARGS) {
    return call_from_postgres([&] {
        return_rows(fcinfo, rows_of(ivory::replication_status(
                                required_text_argument(fcinfo, 0, "subscription_name"),
                                PG_ARGISNULL(1) ? std::nullopt
                                                : std::optional(source_argument(fcinfo, 1)))));
        return (Datum)0;
    });
}

extern "C" Datum ivory_replication_drop(PG_FUNCTION_ARGS) {
    return call_from_postgres([&] {
        return_rows(
            fcinfo,
            rows_of(ivory::replication_drop(
                source_argument(fcinfo, 0), required_text_argument(fcinfo, 1, "publication_name"),
                required_text_argument(fcinfo, 2, "subscription_name"), bool_argument(fcinfo, 3))));
        return (Datum)0;
    });
}

extern "C" Datum ivory_replication_ddl(PG_FUNCTION_ARGS) {
    return call_from_postgres([&] {
        return_rows(fcinfo, rows_of(ivory::recorded_ddl(
                                required_text_argument(fcinfo, 0, "subscription_name"),
                                PG_ARGISNULL(1) ? std::nullopt
                                                : std::optional(source_argument(fcinfo, 1)))));
        return (Datum)0;
    });
}

extern "C" Datum ivory_replication_ddl_skip(PG_FUNCTION_ARGS) {
    return call_from_postgres([&] {
        return text_result(ivory::skip_recorded_ddl(
            int64_argument(fcinfo, 0, 0), required_text_argument(fcinfo, 1, "subscription_name"),
            PG_ARGISNULL(2) ? std::nullopt : std::optional(source_argument(fcinfo, 2))));
    });
}

extern "C" Datum ivory_replication_ddl_retry(PG_FUNCTION_ARGS) {
    return call_from_postgres([&] {
        return text_result(ivory::retry_recorded_ddl(
            int64_argument(fcinfo, 0, 0), required_text_argument(fcinfo, 1, "subscription_name"),
            PG_ARGISNULL(2) ? std::nullopt : std::optional(source_argument(fcinfo, 2))));
    });
}

// The trigger on ivory.ddl_commands: the row's command runs, then the row is
// written as it came.
extern "C" Datum ivory_apply_recorded_ddl(PG_FUNCTION_ARGS) {
    return call_from_postgres([&] {
        const ivory::pg::TriggerRow row(fcinfo);
        ivory::DdlRecord record;
        record.id = std::stoll(row.required_text("id"));
        record.role_name = row.required_text("role_name");
        record.search_path = row.required_text("search_path");
        record.command_tag = row.required_text("command_tag");
        record.ordinal = std::stoi(row.required_text("ordinal"));
        record.objects = row.required_text("objects");
        record.command = row.required_text("command");
        ivory::apply_recorded_ddl(record);
        return row.unchanged();
    });
}

extern "C" Datum ivory_copy_roles(PG_FUNCTION_ARGS) {
    return call_from_postgres([&] {
        return_rows(fcinfo,
                    rows_of(ivory::copy_roles(source_argument(fcinfo, 0),
                                              required_bool_argument(fcinfo, 1, "dry_run"))));
        return (Datum)0;
    });
}

extern "C" Datum ivory_copy_large_objects(PG_FUNCTION_ARGS) {
    return call_from_postgres([&] {
        return_rows(fcinfo, rows_of(ivory::copy_large_objects(source_argument(fcinfo, 0))));
        return (Datum)0;
    });
}

extern "C" Datum ivory_sync_sequences(PG_FUNCTION_ARGS) {
    return call_from_postgres([&] {
        return_rows(fcinfo, rows_of(ivory::sync_sequences(
                                source_argument(fcinfo, 0), int64_argument(fcinfo, 1, 100),
                                text_array_argument(fcinfo, 2), float8_argument(fcinfo, 3, 1),
                                bool_argument(fcinfo, 4), bool_argument(fcinfo, 5))));
        return (Datum)0;
    });
}

extern "C" Datum ivory_verify_data(PG_FUNCTION_ARGS) {
    return call_from_postgres([&] {
        // jobs and subscription_name came with 0.5.0.
        return_rows(
            fcinfo,
            rows_of(ivory::verify_data(
                {source_argument(fcinfo, 0), required_text_argument(fcinfo, 1, "publication_name"),
                 optional_text_argument(fcinfo, 4).value_or(""), int64_argument(fcinfo, 2, 100000),
                 optional_int32_argument(fcinfo, 3)})));
        return (Datum)0;
    });
}

extern "C" Datum ivory_switchover(PG_FUNCTION_ARGS) {
    return call_from_postgres([&] {
        return_rows(fcinfo, rows_of(ivory::switchover(
                                source_argument(fcinfo, 0), int64_argument(fcinfo, 1, 8388608),
                                float8_argument(fcinfo, 2, 300), bool_argument(fcinfo, 3),
                                required_text_argument(fcinfo, 4, "publication_name"),
                                required_text_argument(fcinfo, 5, "subscription_name"),
                                {bool_argument(fcinfo, 6), bool_argument(fcinfo, 7),
                                 optional_int32_argument(fcinfo, 8),
                                 required_bool_argument(fcinfo, 9, "dry_run"),
                                 // reverse_conninfo, phase and
                                 // modification_counts came with 0.9.0.
                                 optional_text_argument(fcinfo, 10), phase_argument(fcinfo, 11),
                                 ivory::pg::optional_jsonb_argument(fcinfo, 12)})));
        return (Datum)0;
    });
}

extern "C" Datum ivory_switchback(PG_FUNCTION_ARGS) {
    return call_from_postgres([&] {
        return_rows(fcinfo, rows_of(ivory::switchback(
                                source_argument(fcinfo, 0), int64_argument(fcinfo, 1, 8388608),
                                float8_argument(fcinfo, 2, 300),
                                required_text_argument(fcinfo, 3, "publication_name"),
                                required_text_argument(fcinfo, 4, "subscription_name"),
                                {bool_argument(fcinfo, 5), bool_argument(fcinfo, 6),
                                 optional_int32_argument(fcinfo, 7)})));
        return (Datum)0;
    });
}

extern "C" Datum ivory_reverse_replication_drop(PG_FUNCTION_ARGS) {
    return call_from_postgres([&] {
        return_rows(fcinfo, rows_of(ivory::reverse_replication_drop(
                                source_argument(fcinfo, 0),
                                required_text_argument(fcinfo, 1, "publication_name"),
                                required_text_argument(fcinfo, 2, "subscription_name"))));
        return (Datum)0;
    });
}

extern "C" Datum ivory_unlock_source(PG_FUNCTION_ARGS) {
    return call_from_postgres(
        [&] { return text_result(ivory::unlock_source_message(source_argument(fcinfo, 0))); });
}

extern "C" Datum ivory_fdw_validator(PG_FUNCTION_ARGS) {
    return call_from_postgres([&] {
        ivory::pg::validate_foreign_options(PG_GETARG_DATUM(0), PG_GETARG_OID(1));
        return (Datum)0;
    });
}
