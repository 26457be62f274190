// Which of a service's output pipes a line came from.
#pragma once

namespace summon::runtime {

enum class Stream { out, err };

}  // namespace summon::runtime
