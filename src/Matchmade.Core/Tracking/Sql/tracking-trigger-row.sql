-- Tracking's row trigger on one of the app's old tables ({table}, quoted), calling that table's function ({function}):
-- with the truncate trigger, the only objects tracking adds to the app's schema (Prisma does not model triggers, so it
-- sees no drift).
CREATE TRIGGER matchmade_record_change AFTER INSERT OR UPDATE OR DELETE ON {app}.{table}
    FOR EACH ROW EXECUTE FUNCTION {state}.{function}();
