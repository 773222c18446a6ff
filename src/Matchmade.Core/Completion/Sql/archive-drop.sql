-- The archive goes: after Undo restored it, or when the team removes it (-RemoveArchive).
DROP TABLE {state}."ProfileOld";
