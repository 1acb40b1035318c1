// Package e2e runs the omnigate binary as a person would: it builds it, starts it,
// drives it over HTTP and from headless Chromium, kills it and starts it again.
// These tests need real peers (Chromium); with CI=true a missing peer fails the test
// instead of skipping it.
package e2e
