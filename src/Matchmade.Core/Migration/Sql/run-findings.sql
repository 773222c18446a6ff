-- A run's findings journal, a page at a time in commit order.
SELECT seq, findings
FROM {state}.run_finding
WHERE run_id = @run_id AND seq > @after
ORDER BY seq
LIMIT @limit;
