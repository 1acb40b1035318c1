package testkit

import "time"

// Timeout bounds every wait in this package: a dial, a read, a poll, the leak check.
const Timeout = 5 * time.Second
