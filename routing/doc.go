// Package routing decides which agent gets which contact (SPEC §2) and carries out
// the interaction actions around it (accept, decline, hold, end, wrap-up, transfer).
//
// A tour:
//   - Engine holds the live state in memory — queues with their waiting contacts per
//     channel (waitList: priority, then arrival), agents with presence, load and
//     personal queues — and writes every change through a Store before the operation
//     returns or its notices go out (group commit, commit.go: the changes of the
//     operations that run while a write is in flight go in the next write together).
//   - step (step.go) is the one path by which an interaction changes: it applies a
//     session.Input, turns effects into queue positions and RONA, writes the change
//     with its event, and installs it.
//   - dispatch (dispatch.go) matches waiting contacts and agents after each change:
//     a queue offers its head to the most proficient, then longest-idle eligible
//     agent (R1); a freed agent takes its personal queue first (R6), then the best
//     contact across its queues. Capacity (R2) and "+1 contact" (R3) decide room.
//   - Tick expires offers (R4: RONA, contact back to the head of its queue).
//   - Start reconciles what was open when the process stopped.
//
// Time comes from an injected Clock, so every rule has a deterministic test.
package routing
