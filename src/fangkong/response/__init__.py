"""Response: teams by department, tasks with deadlines from SLA bundles, the task board, overdue
escalation (督办) and the supervision report (督查)."""
