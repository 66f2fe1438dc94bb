"""Tests of the Datameer emulator itself, over real loopback HTTP."""
