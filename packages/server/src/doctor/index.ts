export { doctor, type DoctorOptions } from './doctor.js';
export {
  formatDoctorReport,
  type CheckStatus,
  type DoctorCheck,
  type DoctorReport,
} from './report.js';
