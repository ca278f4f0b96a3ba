#include <optional>
#include <string>

#include "apply_worker.hpp"

#include "compat.hpp"

extern "C" {
#include "catalog/pg_subscription.h"
}

namespace ivory::pg {

std::optional<ApplyingSubscription> applying_subscription() {
    if (!compat::in_apply_worker() || !MySubscription)
        return std::nullopt;
    return ApplyingSubscription{std::to_string(MySubscription->oid), MySubscription->name,
                                MySubscription->conninfo};
}

} // namespace ivory::pg
