/* Named errors. Library functions return 0 or a negative code: either
 * -errno, or -SALVAGE_E_x from the list below (all above 4095, so they never
 * collide with errno values). err_name() turns either into a word for logs. */
#ifndef SALVAGE_ERR_H
#define SALVAGE_ERR_H

#define SALVAGE_ERRORS(X) \
	X(CONF_SYNTAX,       "config line is not `key value`") \
	X(CONF_UNKNOWN_KEY,  "unknown config key") \
	X(CONF_BAD_VALUE,    "config value not allowed for this key") \
	X(CONF_TOO_LONG,     "config value too long") \
	X(TARGET_SYNTAX,     "target is not raw:/dev/X or fs:LABEL=|UUID=|/dev/X:/dir") \
	X(RAW_BAD_MAGIC,     "no salvage raw header on the device") \
	X(RAW_BAD_CRC,       "salvage raw header checksum mismatch") \
	X(RAW_BAD_VERSION,   "salvage raw header of an unknown version") \
	X(RAW_INCOMPLETE,    "dump on the device was never completed") \
	X(RAW_TOO_SMALL,     "device too small for the dump") \
	X(NO_DUMP,           "no completed dump found") \
	X(MOD_NOT_FOUND,     "module not in modules.dep, modules.alias or modules.builtin") \
	X(MOD_LOOP,          "module dependencies form a loop") \
	X(MOD_TOO_MANY,      "too many modules") \
	X(SHORT_FILE,        "file ended early") \
	X(TIMEOUT,           "timed out")

enum salvage_err {
	SALVAGE_E_BASE = 4096,
#define X(name, text) SALVAGE_E_##name,
	SALVAGE_ERRORS(X)
#undef X
	SALVAGE_E_END
};

/* Symbolic name: "RAW_BAD_MAGIC", "ENOENT"; never NULL. e may be negative. */
const char *err_name(int e);
/* One-line human description of the same code; never NULL. */
const char *err_text(int e);

#endif
