// Work run as another role: each table's copy runs as the table's owner, as
// PostgreSQL 16's apply worker runs each change (SwitchToUntrustedUser in
// src/backend/utils/init/usercontext.c, for run_as_owner = false).
#pragma once

#include <string>

namespace ivory::pg {

// While alive, the current user is `role` (an OID as text), in a
// SECURITY_RESTRICTED_OPERATION and with a GUC nest level of its own: code
// that runs meanwhile (triggers, CHECK and domain checks, generated columns)
// has the role's rights and no more, can neither change the session's role
// nor create temporary objects, and the settings it changes are rolled back.
// PostgreSQL 16 leaves out the restriction when the role may SET ROLE back
// to the caller; ivory always keeps it, the same on every version, because
// a copy needs nothing of what it forbids.
class RunAsUntrustedUser {
  public:
    explicit RunAsUntrustedUser(const std::string &role_oid);
    ~RunAsUntrustedUser();
    RunAsUntrustedUser(const RunAsUntrustedUser &) = delete;
    RunAsUntrustedUser &operator=(const RunAsUntrustedUser &) = delete;

  private:
    unsigned int saved_user_ = 0;
    int saved_security_context_ = 0;
    int nest_level_ = 0;
    int exceptions_at_start_;
};

} // namespace ivory::pg
