export { applyBlockChanges, loadBlockers, type BlockChange } from './block-store.js';
export {
  decideReport,
  getReport,
  insertReports,
  listReports,
  ReportError,
  REPORT_STATES,
  type ReportedActor,
  type ReportedObject,
  type ReportRecord,
  type ReportRow,
  type ReportState,
} from './report-store.js';
