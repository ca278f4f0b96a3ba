// What a function called inside the target's apply worker (a trigger on a
// replicated table) may learn of the subscription it applies.
#pragma once

#include <optional>
#include <string>

namespace ivory::pg {

struct ApplyingSubscription {
    std::string oid; // as text, as the other catalog helpers take it
    std::string name;
    std::string conninfo; // the source, as the subscription reaches it
};

// The subscription this process applies; none outside an apply worker (a
// table-sync worker, ivory's initial copy, any other session).
std::optional<ApplyingSubscription> applying_subscription();

} // namespace ivory::pg
