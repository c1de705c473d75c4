// Package capacity finds the highest open-model rate at which a service
// meets its SLOs, and says what bound it: the question behind most load
// tests, asked of a running service.
//
// A Search runs one session (package session) per rate it tries: warmed
// up, measured, judged against the SLOs, then a pause for the target to
// recover. It doubles the rate from its start until a step fails, then
// bisects between the highest rate that held and the lowest that failed
// until they are within the precision asked for, never above the ceiling
// nor past the time budget. A target that errors hard or stalls makes it
// back off, and an interrupt ends it with what it found so far.
//
// The result is a report (package report) whose capacity, bound_by and
// steps say what was found; its series runs through every step on one
// timeline, and its findings are diagnosis' of the step that failed
// just above the capacity: why the service stopped keeping up.
package capacity
