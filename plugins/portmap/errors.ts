/** The portmap plugin's own error codes (README.md); they mean what the other plugins' codes of the same number mean. */
export const PortmapCode = {
  /** CHECK found a rule of the attachment missing. */
  CheckFailed: 114,
} as const;
