// sctpkit's public API for embedders: SCTP (RFC 9260) in userspace over UDP (RFC 6951) or raw IP.
#pragma once

#include "sctpkit/association.h"
#include "sctpkit/error.h"
#include "sctpkit/options.h"
