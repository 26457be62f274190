// The engine's clock on the real loop: steady_clock and Asio timers.
#pragma once

#include <map>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "engine/clock.hpp"

namespace summon::runtime {

class AsioClock : public engine::Clock {
 public:
  explicit AsioClock(boost::asio::io_context& io) : io_(io) {}
  ~AsioClock() override;

  engine::TimePoint now() const override;
  engine::TimerId schedule(engine::TimePoint at, std::function<void()> fire) override;
  void cancel(engine::TimerId id) override;

 private:
  boost::asio::io_context& io_;
  engine::TimerId next_id_ = 1;
  std::map<engine::TimerId, std::unique_ptr<boost::asio::steady_timer>> timers_;
};

}  // namespace summon::runtime
