import axios from 'axios';

// No token in localStorage and no Authorization header: App.tsx attaches the session cookie
// and X-CSRF with attachAuthInterceptors. A timeout of seconds, not 5 minutes.
const axiosInstance = axios.create({
  baseURL: import.meta.env.VITE_BASE_REST_URL,
  timeout: 10_000,
});

export default axiosInstance;
