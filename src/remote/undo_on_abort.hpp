// Undo on the source what this transaction created there, if it aborts.
//
// Slots, publications and roles created on the source do not roll back with
// the target's transaction. Each creation registers the statement that undoes
// it; when the transaction (or the subtransaction it was registered in)
// aborts, the statements run, newest first, over a fresh connection with a
// bounded wait. When it commits, they are forgotten.
#pragma once

#include <string>

namespace ivory::remote {

void undo_on_abort(const std::string &conninfo, const std::string &statement);

} // namespace ivory::remote
