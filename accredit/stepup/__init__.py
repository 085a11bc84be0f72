"""Step-up self-regulation: levels, the four-step cycle, risk signals, level-change proposals."""
