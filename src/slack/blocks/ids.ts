// Identifiers shared by the Block Kit builders, the Bolt listeners and the tests.
// Changing one breaks in-flight views and buttons in messages already posted: treat them as stable.

// --- callback_ids (views) -------------------------------------------------------------------------
/** "Reading your file…" modal opened at once with the trigger_id. */
export const LOADING_VIEW_CALLBACK_ID = "bulkusers_loading";
/** Operation modal (file upload + options); submit → read + plan → preview. */
export const OPERATION_VIEW_CALLBACK_ID = "bulkusers_operation";
/** Preview modal; submit → confirm the plan (planId from private_metadata). */
export const PREVIEW_VIEW_CALLBACK_ID = "bulkusers_preview";
/** A modal telling the user the file was refused, or that something went wrong (no submit). */
export const NOTICE_VIEW_CALLBACK_ID = "bulkusers_notice";

// --- operation modal --------------------------------------------------------------------------------
export const CSV_FILE_BLOCK_ID = "csv_file";
export const CSV_FILE_ACTION_ID = "csv_file_input";
/** create / reset-password: "require a password change at (first|next) sign-in". */
export const MUST_CHANGE_PASSWORD_BLOCK_ID = "opt_must_change_password";
export const MUST_CHANGE_PASSWORD_ACTION_ID = "opt_must_change_password_input";
export const MUST_CHANGE_PASSWORD_VALUE = "must_change_password";

// --- preview modal ----------------------------------------------------------------------------------
export const PREVIEW_PREV_ACTION_ID = "preview_prev";
export const PREVIEW_NEXT_ACTION_ID = "preview_next";
export const PREVIEW_CSV_ACTION_ID = "preview_csv";
export const PREVIEW_PAGING_BLOCK_ID = "preview_paging";
/** Input block the approver must tick when the plan has failing rows. */
export const CONFIRM_PARTIAL_BLOCK_ID = "confirm_partial";
export const CONFIRM_PARTIAL_ACTION_ID = "confirm_partial_input";
export const CONFIRM_PARTIAL_VALUE = "run_valid_rows";

// --- messages ---------------------------------------------------------------------------------------
/** HR thread reply button; value = planId. */
export const REVIEW_PLAN_ACTION_ID = "review_plan";
export const REVIEW_PLAN_BLOCK_ID = "review_plan_actions";
/**
 * block_ids starting with this mark blocks that are only true while a plan waits ("expires in 3 h · nothing
 * changes until someone approves"): a settled message drops them with the buttons.
 */
export const PENDING_BLOCK_PREFIX = "pending_";
/** "Reject" beside "Review & approve": the plan is cancelled and the reply says who rejected it. */
export const REJECT_PLAN_ACTION_ID = "reject_plan";

// --- select (filter → action) modal -----------------------------------------------------------------
/** `/bulkusers select <filter>`: choose the action and its value; submit → plan → preview. */
export const SELECT_VIEW_CALLBACK_ID = "bulkusers_select";
export const SELECT_FILTER_BLOCK_ID = "select_filter";
export const SELECT_FILTER_ACTION_ID = "select_filter_input";
export const SELECT_OPERATION_BLOCK_ID = "select_operation";
export const SELECT_OPERATION_ACTION_ID = "select_operation_input";
export const SELECT_VALUE_BLOCK_ID = "select_value";
export const SELECT_VALUE_ACTION_ID = "select_value_input";

// --- App Home ---------------------------------------------------------------------------------------
/** Quick action: DM me the template of the operation in the button's value. */
export const HOME_TEMPLATE_ACTION_ID = "home_template";
/** Quick action: DM me the recent jobs list. */
export const HOME_JOBS_ACTION_ID = "home_jobs";
/** Re-render the Home tab. */
export const HOME_REFRESH_ACTION_ID = "home_refresh";
export const HOME_ACTIONS_BLOCK_ID = "home_actions";
