"""The fault matrix (issue 6, part 1): each case drives a task to its end against a misbehaving Datameer.

Every test checks the task's outcome (operator, sensor or trigger — or a real ``airflow dags test`` where
Airflow itself is the subject), the message a user sees, and what the server saw (the emulator's request
log: no duplicate trigger, a stop exactly where one is owed). ``deferred``/``worker`` test ids run the wait
in the trigger (aiohttp) and in the worker (requests).

=====  ==========================================================================================
Case   Tests
=====  ==========================================================================================
F1     test_transient.py::test_f1_burst_of_5xx_while_polling_is_survived
F2     test_transient.py::test_f2_short_outage_mid_wait_is_survived,
       ::test_f2_outage_longer_than_the_budget_fails_saying_unreachable (both scaled down, see
       docstrings), ::test_f2_twenty_second_outage_with_default_retries_is_survived (full scale)
F3     test_transient.py::test_f3_answers_slower_than_the_timeout_are_retried_then_fail_clearly,
       ::test_f3_a_trigger_answered_too_late_is_not_repeated
F4     test_transient.py::test_f4_rate_limit_while_polling_waits_as_told,
       ::test_f4_rate_limited_trigger_is_resent_after_retry_after_and_starts_one_run,
       ::test_f4_retry_after_is_capped_by_max_retry_after
F5     test_refusals.py::test_f5_login_page_before_the_trigger_fails_at_once,
       ::test_f5_unreadable_answer_while_waiting_fails_at_once
F6     test_refusals.py::test_f6_wrong_password_fails_at_once_saying_the_credentials_were_refused,
       ::test_f6_credentials_refused_while_waiting_fail_at_once
F7     test_refusals.py::test_f7_f8_failure_body_for_the_job_fails_at_once_with_datameers_reason
       (404, 403, 400), ::test_f7_forbidden_by_the_auth_layer_fails_at_once,
       ::test_f7_trigger_refused_with_a_failure_body_fails_at_once,
       ::test_f7_f8_job_becoming_inaccessible_while_waiting_fails_at_once[404]
F8     test_refusals.py::test_f7_f8_failure_body_for_the_job_fails_at_once_with_datameers_reason[200],
       ::test_f7_f8_job_becoming_inaccessible_while_waiting_fails_at_once[200]
F9     test_statuses.py::test_f9_unknown_status_warns_keeps_waiting_and_ends_at_the_first_known_terminal
F10    test_statuses.py::test_f10_stale_status_of_a_previous_run_never_decides,
       ::test_f10_newer_run_shown_by_status_never_decides_for_the_sensor,
       ::test_f10_newer_run_started_while_the_operator_waits_never_decides
F11    test_lifecycle.py::test_f11_triggerer_restart_mid_wait_resumes_the_same_execution,
       ::test_f11_restart_after_the_deadline_times_out_and_stops_the_run
       (a real ``airflow triggerer`` killed and restarted: tests/e2e)
F12    test_lifecycle.py::test_f12_task_killed_in_the_worker_stops_the_run,
       ::test_f12_kill_stops_only_our_run_when_a_newer_one_is_queued,
       ::test_f12_marked_failed_while_deferred_stops_the_run,
       ::test_f12_deferred_sensor_marked_failed_leaves_the_run_alone;
       test_airflow.py::test_f12_f13_execution_timeout_kills_the_task_and_on_kill_stops_the_run
       (marking a deferred task failed through the REST API: tests/e2e)
F13    test_lifecycle.py::test_f13_timeout_stops_the_run_and_says_it_timed_out,
       ::test_f13_timeout_with_a_newer_run_queued_stops_only_ours,
       ::test_f13_sensor_timeout_fails_without_stopping_a_run_it_did_not_start;
       test_airflow.py::test_f12_f13_execution_timeout_kills_the_task_and_on_kill_stops_the_run
F14    test_lifecycle.py::test_f14_retry_after_the_first_try_triggered_joins_its_run,
       ::test_f14_retry_after_a_trigger_answered_too_late_joins_the_run_it_started
F15    test_airflow.py::test_f15_example_dag_run_leaks_no_secret (and the same search after
       ::test_f12_f13_execution_timeout_kills_the_task_and_on_kill_stops_the_run, a failing run)
F16    test_tls.py::test_f16_self_signed_certificate_is_refused_by_default,
       ::test_f16_trigger_refuses_the_certificate_too, ::test_f16_ca_bundle_or_verify_false_lets_the_task_run
F17    test_identifiers.py::test_f17_hostile_path_reaches_the_server_as_one_encoded_segment,
       ::test_f17_unusable_identifier_is_rejected_before_any_request,
       ::test_f17_long_unicode_path_is_rejected_before_any_request
F18    test_dates.py::test_f18_dates_reach_the_summary
=====  ==========================================================================================

Property-based fuzzing of the core (issue 6, part 2) is in tests/fuzz.
"""
