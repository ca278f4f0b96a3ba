#include "guard.hpp"

#include <cstring>
#include <string>

#include "../core/strings.hpp"

namespace ivory::pg {

namespace {

// A copy that cannot ereport: NULL when memory is short, which drops the field
// rather than longjmp out of a C++ catch block.
char *copy_or_null(const std::string &text) {
    if (text.empty())
        return nullptr;
    char *copy = static_cast<char *>(palloc_extended(text.size() + 1, MCXT_ALLOC_NO_OOM));
    if (copy)
        std::memcpy(copy, text.c_str(), text.size() + 1);
    return copy;
}

int sqlstate_code(const std::string &state) {
    if (state.size() != 5)
        return ERRCODE_INTERNAL_ERROR;
    return MAKE_SQLSTATE(state[0], state[1], state[2], state[3], state[4]);
}

} // namespace

void PgError::add_context(const std::string &line) noexcept {
    const std::string context = data_->context ? std::string(data_->context) + "\n" + line : line;
    if (char *copy = copy_or_null(context))
        data_->context = copy;
}

std::string PgError::sqlstate() const {
    return data_ ? std::string(unpack_sql_state(data_->sqlerrcode)) : sqlstate::internal;
}

void PgError::add_hint_if_missing(const std::string &hint) noexcept {
    if (data_ && !data_->hint)
        data_->hint = copy_or_null(hint);
}

void PgError::redact(const std::string &secret) noexcept {
    if (secret.empty())
        return;
    for (char **field : {&data_->message, &data_->detail, &data_->detail_log, &data_->hint,
                         &data_->context, &data_->internalquery}) {
        if (!*field || !std::strstr(*field, secret.c_str()))
            continue;
        try {
            std::string text = *field;
            replace_all(text, secret, "********");
            if (char *copy = copy_or_null(text))
                *field = copy;
        } catch (...) {
            *field = nullptr; // better no text than the secret
        }
    }
}

ErrorData *copy_error_data(MemoryContext caller_context) {
    MemoryContextSwitchTo(TopTransactionContext);
    ErrorData *error = CopyErrorData();
    FlushErrorState();
    MemoryContextSwitchTo(caller_context);
    return error;
}

void check_for_interrupts() {
    guarded([] { CHECK_FOR_INTERRUPTS(); });
}

void capture_current_exception(PendingError &pending) noexcept {
    pending.set = true;
    pending.sqlerrcode = ERRCODE_INTERNAL_ERROR;
    try {
        throw;
    } catch (const PgError &error) {
        pending.postgres_error = error.data();
    } catch (const Error &error) {
        const ErrorFields &fields = error.fields();
        pending.sqlerrcode = sqlstate_code(fields.sqlstate);
        pending.message = copy_or_null(fields.message);
        pending.detail = copy_or_null(fields.detail);
        pending.hint = copy_or_null(fields.hint);
        pending.context = copy_or_null(fields.context);
    } catch (const std::bad_alloc &) {
        pending.sqlerrcode = ERRCODE_OUT_OF_MEMORY;
    } catch (const std::exception &error) {
        pending.message = copy_or_null(error.what());
    } catch (...) {
    }
}

void raise_pending(const PendingError &pending) {
    if (!pending.set)
        return;
    if (pending.postgres_error)
        ReThrowError(pending.postgres_error);
    ereport(ERROR,
            (errcode(pending.sqlerrcode),
             errmsg_internal("%s", pending.message ? pending.message : "ivory internal error"),
             pending.detail ? errdetail_internal("%s", pending.detail) : 0,
             pending.hint ? errhint("%s", pending.hint) : 0,
             pending.context ? errcontext("%s", pending.context) : 0));
}

} // namespace ivory::pg
