// Bumped whenever a change to the engine could change a stored number; part of every case key.
export const ENGINE_VERSION = '1';
