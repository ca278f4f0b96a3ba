// The two guards of the C++ / PostgreSQL boundary.
//
// Into PostgreSQL: `guarded(lambda)` runs one call that may ereport. The error
// is caught with PG_TRY in this frame, copied, and thrown as PgError, so the
// longjmp never crosses a C++ frame with live objects. The lambda itself must
// hold no object with a destructor.
//
// Out of C++: `call_from_postgres(lambda)` runs an fmgr entry point's work and
// turns any C++ exception into ereport(ERROR) after every C++ object of the
// work is destroyed, keeping SQLSTATE, detail, hint and context.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <type_traits>

#include "../core/error.hpp"
#include "postgres.hpp"

namespace ivory::pg {

// A PostgreSQL error in flight as a C++ exception. The ErrorData lives in the
// memory context that was current at the guarded call.
class PgError : public std::exception {
  public:
    explicit PgError(ErrorData *data) : data_(data) {}
    const char *what() const noexcept override {
        return data_ && data_->message ? data_->message : "PostgreSQL error";
    }
    ErrorData *data() const { return data_; }
    // The five-character SQLSTATE, as core's Error carries it.
    std::string sqlstate() const;
    // Sets the hint (HINT:) unless the error has one.
    void add_hint_if_missing(const std::string &hint) noexcept;
    // Adds a line to the error's context (CONTEXT:), as errcontext would.
    void add_context(const std::string &line) noexcept;
    // Replaces `secret` wherever the error shows it (the SPI context quotes
    // the failing statement, which may carry a password).
    void redact(const std::string &secret) noexcept;

  private:
    ErrorData *data_;
};

// Copies the error being handled out of ErrorContext into the transaction's
// memory (the caller's context may be SPI's, gone before the error is
// re-raised), flushes the error state and switches back to `caller_context`.
ErrorData *copy_error_data(MemoryContext caller_context);

template <typename Call> auto guarded(Call &&call) -> decltype(call()) {
    using Result = decltype(call());
    const MemoryContext caller_context = CurrentMemoryContext;
    ErrorData *volatile error = nullptr;
    if constexpr (std::is_void_v<Result>) {
        PG_TRY();
        { call(); }
        PG_CATCH();
        { error = copy_error_data(caller_context); }
        PG_END_TRY();
        if (error)
            throw PgError(error);
    } else {
        // Written through a pointer that does not change between setjmp and
        // longjmp; the slot lives in this frame, which the longjmp lands in.
        std::optional<Result> slot;
        std::optional<Result> *const out = &slot;
        PG_TRY();
        { out->emplace(call()); }
        PG_CATCH();
        { error = copy_error_data(caller_context); }
        PG_END_TRY();
        if (error)
            throw PgError(error);
        return std::move(*slot);
    }
}

// CHECK_FOR_INTERRUPTS through the guard: cancel and statement_timeout become PgError.
void check_for_interrupts();

// An error waiting to be raised at the fmgr edge: plain data only, so that it
// outlives the C++ objects of the entry point.
struct PendingError {
    ErrorData *postgres_error = nullptr; // re-thrown as it is
    bool set = false;
    int sqlerrcode = 0;
    char *message = nullptr;
    char *detail = nullptr;
    char *hint = nullptr;
    char *context = nullptr;
};

// Fills `pending` from the exception being handled. Never throws, never ereports.
void capture_current_exception(PendingError &pending) noexcept;

// ereport(ERROR) from `pending`; returns when nothing is pending.
void raise_pending(const PendingError &pending);

template <typename Work> Datum call_from_postgres(Work &&work) {
    PendingError pending;
    Datum result = (Datum)0;
    try {
        result = work();
    } catch (...) {
        capture_current_exception(pending);
    }
    raise_pending(pending);
    return result;
}

} // namespace ivory::pg
