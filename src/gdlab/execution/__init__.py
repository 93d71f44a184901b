"""How a fit runs: the plan decided once per fit, the executors, and what each epoch returns.

``plan_fit`` → ``ExecutionPlan`` (path, kernels, threads, reasons); ``plan.run_epoch`` is the
executor (the step loop in ``steps``, or the compiled epoch); every executor returns an
``EpochResult`` that the fit loop (``gdlab.training``) books in one place.
"""

from gdlab.execution.plan import EXECUTIONS, ExecutionPlan, check_execution, plan_fit
from gdlab.execution.result import EpochResult
from gdlab.execution.steps import train_step

__all__ = ["EXECUTIONS", "EpochResult", "ExecutionPlan", "check_execution", "plan_fit", "train_step"]
