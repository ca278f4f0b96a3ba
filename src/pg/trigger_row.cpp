#include <optional>
#include <string>

#include "trigger_row.hpp"

#include "../core/error.hpp"
#include "guard.hpp"

extern "C" {
#include "commands/trigger.h"
}

namespace ivory::pg {

TriggerRow::TriggerRow(FunctionCallInfo fcinfo) : data_(nullptr) {
    if (!CALLED_AS_TRIGGER(fcinfo) ||
        !TRIGGER_FIRED_FOR_ROW(reinterpret_cast<TriggerData *>(fcinfo->context)->tg_event))
        throw Error("39P01", "this function is called only as a row trigger");
    data_ = reinterpret_cast<TriggerData *>(fcinfo->context);
}

std::optional<std::string> TriggerRow::text(const char *column) const {
    TriggerData *const data = data_;
    const int number = guarded([data, column] {
        return SPI_fnumber(data->tg_relation->rd_att, column);
    });
    if (number <= 0)
        throw Error(sqlstate::internal, std::string("the trigger's row has no column ") + column);
    char *const value = guarded([data, number] {
        return SPI_getvalue(data->tg_trigtuple, data->tg_relation->rd_att, number);
    });
    if (!value)
        return std::nullopt;
    return std::string(value);
}

std::string TriggerRow::required_text(const char *column) const {
    std::optional<std::string> value = text(column);
    if (!value)
        throw Error(sqlstate::internal, std::string("the trigger's row has NULL in ") + column);
    return *value;
}

Datum TriggerRow::unchanged() const {
    return PointerGetDatum(data_->tg_trigtuple);
}

} // namespace ivory::pg
