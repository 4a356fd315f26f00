import { configure } from '@solidjs/testing-library'

// These machines are shared and often loaded: give asynchronous UI checks time, not a hair trigger.
configure({ asyncUtilTimeout: 5000 })
