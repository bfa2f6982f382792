"""The semester registration API: the student's own form step by step, and the office's review queue and decisions.

Thin views over registration.services and registration.selectors, with the same access decisions as the pages:
students reach only their own form (anyone else's is 404), staff who do not review registration get 403.
"""

from registration.api.review import (  # noqa: F401
    RegistrationApproveAllApi,
    RegistrationDecisionApi,
    RegistrationFormDetailApi,
    RegistrationQueueApi,
)
from registration.api.student import (  # noqa: F401
    STEP_APIS,
    RegistrationCurrentApi,
    RegistrationSubmitApi,
    RegistrationVisaLetterApi,
)
