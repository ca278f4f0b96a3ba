#include <exception>
#include <string>

#include "user_context.hpp"

#include "guard.hpp"

namespace ivory::pg {

RunAsUntrustedUser::RunAsUntrustedUser(const std::string &role_oid)
    : exceptions_at_start_(std::uncaught_exceptions()) {
    const Oid role = static_cast<Oid>(std::stoul(role_oid));
    Oid saved_user = InvalidOid;
    int saved_context = 0;
    guarded([&saved_user, &saved_context] { GetUserIdAndSecContext(&saved_user, &saved_context); });
    saved_user_ = saved_user;
    saved_security_context_ = saved_context;
    guarded([role, saved_context] {
        SetUserIdAndSecContext(role, saved_context | SECURITY_RESTRICTED_OPERATION);
    });
    nest_level_ = guarded([] { return NewGUCNestLevel(); });
}

RunAsUntrustedUser::~RunAsUntrustedUser() {
    const Oid user = saved_user_;
    const int context = saved_security_context_;
    const int level = nest_level_;
    // With an error on its way out, the (sub)transaction's abort pops the
    // nest level; the caller's identity comes back at once either way, so
    // that no cleanup on the way out runs as the owner.
    const bool unwinding = std::uncaught_exceptions() > exceptions_at_start_;
    try {
        if (!unwinding)
            guarded([level] { AtEOXact_GUC(false, level); });
    } catch (...) {
    }
    try {
        guarded([user, context] { SetUserIdAndSecContext(user, context); });
    } catch (...) {
    }
}

} // namespace ivory::pg
