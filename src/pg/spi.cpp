#include <exception>
#include <string>
#include <vector>

#include "spi.hpp"

#include "guard.hpp"
#include "subtransaction.hpp"

extern "C" {
#include "access/xact.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
}

namespace ivory::pg {

LocalSession::LocalSession(bool statement_snapshot) : statement_snapshot_(statement_snapshot) {
    const int rc = guarded([] { return SPI_connect(); });
    if (rc != SPI_OK_CONNECT)
        throw Error(sqlstate::internal, "could not connect to SPI");
    connected_ = true;
}

LocalSession::~LocalSession() {
    if (!connected_)
        return;
    try {
        guarded([] { SPI_finish(); });
    } catch (...) {
        // The transaction's abort cleans SPI up; nothing more to do here.
    }
}

Rows LocalSession::query(const std::string &sql, const std::string &step) {
    const char *statement = sql.c_str();
    const bool read_only = statement_snapshot_;
    return fetch(step,
                 guarded([statement, read_only] { return SPI_execute(statement, read_only, 0); }));
}

Rows LocalSession::query(const std::string &sql, const std::vector<Value> &parameters,
                         const std::string &step) {
    const int count = static_cast<int>(parameters.size());
    std::vector<Oid> types(parameters.size(), TEXTOID);
    std::vector<Datum> values(parameters.size());
    std::vector<char> nulls(parameters.size(), ' ');
    for (size_t i = 0; i < parameters.size(); ++i) {
        if (!parameters[i]) {
            nulls[i] = 'n';
            continue;
        }
        const char *text = parameters[i]->c_str();
        values[i] = guarded([text] { return CStringGetTextDatum(text); });
    }
    const char *statement = sql.c_str();
    Oid *type_array = types.data();
    Datum *value_array = values.data();
    const char *null_array = nulls.data();
    return fetch(step, guarded([=] {
                     return SPI_execute_with_args(statement, count, type_array, value_array,
                                                  null_array, false, 0);
                 }));
}

Rows LocalSession::fetch(const std::string &step, int rc) {
    if (rc != SPI_OK_SELECT)
        throw Error(sqlstate::internal,
                    "unexpected SPI result " + std::to_string(rc) + " while " + step);
    const uint64 count = SPI_processed;
    SPITupleTable *table = SPI_tuptable;
    const int columns = table->tupdesc->natts;
    // The output functions allocate in the current context, which under SPI
    // lives until SPI_finish: each row's text goes to a context of its own,
    // reset once the row is copied, so memory stays at one row's worth.
    MemoryContext row_context = guarded([] {
        return AllocSetContextCreate(CurrentMemoryContext, "ivory result row",
                                     ALLOCSET_SMALL_SIZES);
    });
    Rows rows;
    rows.reserve(count);
    for (uint64 i = 0; i < count; ++i) {
        Row row;
        row.reserve(columns);
        HeapTuple tuple = table->vals[i];
        for (int column = 1; column <= columns; ++column) {
            char *value = guarded([table, tuple, column, row_context] {
                const MemoryContext caller = MemoryContextSwitchTo(row_context);
                char *text = SPI_getvalue(tuple, table->tupdesc, column);
                MemoryContextSwitchTo(caller);
                return text;
            });
            row.push_back(value ? Value(value) : Value());
        }
        rows.push_back(std::move(row));
        guarded([row_context] { MemoryContextReset(row_context); });
    }
    guarded([table, row_context] {
        MemoryContextDelete(row_context);
        SPI_freetuptable(table);
    });
    return rows;
}

namespace {

// Whether `query` is one SELECT and nothing else: the text comes from the
// source, and only a query may follow CREATE VIEW ... AS here.
bool is_one_select(const std::string &query) {
    const char *text = query.c_str();
    return guarded([text] {
        List *statements = raw_parser(text, RAW_PARSE_DEFAULT);
        return list_length(statements) == 1 &&
               IsA(linitial_node(RawStmt, statements)->stmt, SelectStmt);
    });
}

} // namespace

std::optional<std::string> LocalSession::view_definition_of(const std::string &query) {
    std::optional<std::string> definition;
    try {
        if (!is_one_select(query))
            return std::nullopt;
        in_subtransaction_rolled_back([&] {
            execute("CREATE TEMPORARY VIEW ivory_definition_probe AS " + query);
            // Not read-only: a read-only query would not see the new view.
            const Rows printed = this->query(
                "SELECT pg_catalog.pg_get_viewdef($1::pg_catalog.regclass)",
                {Value("pg_temp.ivory_definition_probe")}, "printing a view's definition");
            if (!printed.empty())
                definition = printed.front().at(0);
        });
    } catch (const PgError &error) {
        // Not this database's SQL, or no right to make temporary objects:
        // the definitions stay as they were read. A cancel is a cancel.
        if (error.sqlstate() == "57014")
            throw;
        return std::nullopt;
    }
    return definition;
}

void LocalSession::execute(const std::string &sql, const std::string &secret) {
    const char *statements = sql.c_str();
    int rc;
    try {
        rc = guarded([statements] { return SPI_execute(statements, false, 0); });
    } catch (PgError &error) {
        error.redact(secret);
        throw;
    }
    if (rc < 0)
        throw Error(sqlstate::internal,
                    "SPI could not run a statement: " + std::string(SPI_result_code_string(rc)));
    if (SPI_tuptable)
        guarded([] { SPI_freetuptable(SPI_tuptable); });
}

bool in_read_committed_transaction() {
    return XactIsoLevel == XACT_READ_COMMITTED;
}

LocalSettingsScope::LocalSettingsScope()
    : nest_level_(guarded([] { return NewGUCNestLevel(); })),
      exceptions_at_start_(std::uncaught_exceptions()) {}

void LocalSettingsScope::set(const std::string &name, const std::string &value) {
    const char *setting = name.c_str();
    const char *text = value.c_str();
    // As a function's SET clause applies its settings (fmgr_security_definer).
    guarded([setting, text] {
        (void)set_config_option(setting, text, superuser() ? PGC_SUSET : PGC_USERSET, PGC_S_SESSION,
                                GUC_ACTION_SAVE, true, 0, false);
    });
}

void LocalSettingsScope::keep(const std::string &name) {
    const char *setting = name.c_str();
    const char *current = guarded([setting] { return GetConfigOption(setting, true, false); });
    if (current)
        set(name, std::string(current)); // copied first: the option may reuse its buffer
}

LocalSettingsScope::~LocalSettingsScope() {
    if (std::uncaught_exceptions() > exceptions_at_start_)
        return; // an error is on its way out; the abort restores the settings
    const int level = nest_level_;
    try {
        guarded([level] { AtEOXact_GUC(true, level); });
    } catch (...) {
    }
}

} // namespace ivory::pg
