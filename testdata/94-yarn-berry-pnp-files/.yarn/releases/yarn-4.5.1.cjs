#!/usr/bin/env node
/* yarn 4.5.1 bundle (truncated for the test) */
